import { AuthmeshError } from '../errors.ts';
import type { ModelPayload, ModelStore } from './contract.ts';
import { isStorableText, type PostgresConnection } from './postgres-connection.ts';
import { toJson } from './sqlite-connection.ts';

/** "Not expired at $n": every read adds it, so that an expired row is invisible before the sweeper deletes it. */
const live = (param: string) => `(expires_at IS NULL OR expires_at > ${param})`;

/** The statements of the `oidc_models` table, shared by every model's store and by the backend. */
export const MODEL_SQL = {
  upsert: `INSERT INTO oidc_models (model, id, payload, grant_id, uid, user_code, account_id, expires_at, consumed_at)
           VALUES ($1, $2, $3::json, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (model, id) DO UPDATE SET
             payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
             user_code = excluded.user_code, account_id = excluded.account_id, expires_at = excluded.expires_at,
             consumed_at = excluded.consumed_at`,
  find: `SELECT payload, consumed_at FROM oidc_models WHERE model = $1 AND id = $2 AND ${live('$3')}`,
  // uid / userCode are unique in practice; if not, the most recently inserted row wins.
  findByUid: `SELECT payload, consumed_at FROM oidc_models WHERE model = $1 AND uid = $2 AND ${live('$3')}
              ORDER BY seq DESC LIMIT 1`,
  findByUserCode: `SELECT payload, consumed_at FROM oidc_models WHERE model = $1 AND user_code = $2 AND ${live('$3')}
                   ORDER BY seq DESC LIMIT 1`,
  // One statement: a concurrent UPDATE of the same row waits for the row lock, then re-checks
  // `consumed_at IS NULL` against the committed row, so exactly one caller (of any process) changes it.
  // The payload is left as stored: readers add `consumed` from the column (see `withConsumed`).
  consume: `UPDATE oidc_models SET consumed_at = $1
            WHERE model = $2 AND id = $3 AND consumed_at IS NULL AND ${live('$1')}`,
  destroy: 'DELETE FROM oidc_models WHERE model = $1 AND id = $2',
  revokeByGrantId: 'DELETE FROM oidc_models WHERE model = $1 AND grant_id = $2',
  // The Grant record itself has no grantId (its id is the grant id) but is the head of the family.
  revokeGrant: `DELETE FROM oidc_models WHERE grant_id = $1 OR (model = 'Grant' AND id = $1)`,
  // The account's own records, and every record of its grants (a token of a grant may lack accountId).
  // `= ANY (ARRAY(…))`, not `IN (…)`: the grant ids become one value, so both sides of the OR use their index
  // (with IN, Postgres scans the whole table).
  revokeAccount: `DELETE FROM oidc_models WHERE account_id = $1
                    OR grant_id = ANY (ARRAY(SELECT id FROM oidc_models WHERE model = 'Grant' AND account_id = $1))`,
  sweep: 'DELETE FROM oidc_models WHERE expires_at <= $1',
} as const;

/** {@link ModelStore} of one oidc-provider model on Postgres, rows keyed by (model, id). */
export class PostgresModelStore implements ModelStore {
  readonly #conn: PostgresConnection;
  readonly #model: string;

  constructor(conn: PostgresConnection, model: string) {
    this.#conn = conn;
    this.#model = model;
  }

  async upsert(id: string, payload: ModelPayload, expiresIn: number | undefined): Promise<void> {
    this.#conn.assertOpen(`${this.#model}.upsert`);
    if (expiresIn !== undefined && !Number.isFinite(expiresIn)) {
      throw new AuthmeshError('ERR_STORAGE', `storage: ${this.#model}.upsert: expiresIn must be a finite number`);
    }
    const now = this.#conn.now();
    const expiresAt = expiresIn === undefined ? null : now + Math.round(expiresIn * 1000);
    await this.#conn.query(`${this.#model}.upsert`, MODEL_SQL.upsert, [
      this.#model,
      id,
      toJson(payload, `${this.#model} payload`),
      stringField(payload.grantId),
      stringField(payload.uid),
      stringField(payload.userCode),
      stringField(payload.accountId),
      expiresAt,
      consumedAt(payload.consumed, now),
    ]);
  }

  find(id: string): Promise<ModelPayload | undefined> {
    return this.#payload('find', MODEL_SQL.find, id);
  }

  findByUid(uid: string): Promise<ModelPayload | undefined> {
    return this.#payload('findByUid', MODEL_SQL.findByUid, uid);
  }

  findByUserCode(userCode: string): Promise<ModelPayload | undefined> {
    return this.#payload('findByUserCode', MODEL_SQL.findByUserCode, userCode);
  }

  async consume(id: string): Promise<boolean> {
    this.#conn.assertOpen(`${this.#model}.consume`);
    if (!isStorableText(id)) return false;
    const now = this.#conn.now();
    const { rowCount } = await this.#conn.query(`${this.#model}.consume`, MODEL_SQL.consume, [now, this.#model, id]);
    return rowCount === 1;
  }

  async destroy(id: string): Promise<void> {
    this.#conn.assertOpen(`${this.#model}.destroy`);
    if (!isStorableText(id)) return;
    await this.#conn.query(`${this.#model}.destroy`, MODEL_SQL.destroy, [this.#model, id]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.#conn.assertOpen(`${this.#model}.revokeByGrantId`);
    if (!isStorableText(grantId)) return;
    await this.#conn.query(`${this.#model}.revokeByGrantId`, MODEL_SQL.revokeByGrantId, [this.#model, grantId]);
  }

  async #payload(action: string, sql: string, value: string): Promise<ModelPayload | undefined> {
    this.#conn.assertOpen(`${this.#model}.${action}`);
    if (!isStorableText(value)) return undefined;
    const { rows } = await this.#conn.query<ModelRow>(`${this.#model}.${action}`, sql, [
      this.#model,
      value,
      this.#conn.now(),
    ]);
    return rows[0] === undefined ? undefined : withConsumed(rows[0]);
  }
}

/** A row as the driver returns it: `json` parsed, `bigint` as a decimal string. */
interface ModelRow {
  payload: ModelPayload;
  consumed_at: string | null;
}

/** oidc-provider reads `consumed` (epoch seconds) from the payload: a row consumed by `consume()` gets it here. */
function withConsumed({ payload, consumed_at }: ModelRow): ModelPayload {
  if (consumed_at === null || payload.consumed !== undefined) return payload;
  return { ...payload, consumed: Math.floor(Number(consumed_at) / 1000) };
}

function stringField(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * oidc-provider re-saves a consumed model with `consumed` (epoch seconds) in its payload; keep the row consumed
 * so that a later `consume()` still returns false (refresh-token reuse detection depends on it).
 */
function consumedAt(consumed: unknown, now: number): number | null {
  if (typeof consumed === 'number' && Number.isFinite(consumed)) return Math.round(consumed * 1000);
  return consumed ? now : null;
}
