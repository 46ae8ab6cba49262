import type { SQLOutputValue, StatementSync } from 'node:sqlite';
import { AuthmeshError } from '../errors.ts';
import type { ModelPayload, ModelStore } from './contract.ts';
import { type SqliteConnection, text, toJson } from './sqlite-connection.ts';

/** "Not expired at ?" — shared by every read so that an expired row is invisible before the sweeper deletes it. */
const LIVE = '(expires_at IS NULL OR expires_at > ?)';

/** The prepared statements of the `oidc_models` table, shared by every model's store. */
export class ModelStatements {
  readonly upsert: StatementSync;
  readonly find: StatementSync;
  readonly findByUid: StatementSync;
  readonly findByUserCode: StatementSync;
  readonly consume: StatementSync;
  readonly destroy: StatementSync;
  readonly revokeByGrantId: StatementSync;
  readonly revokeGrant: StatementSync;
  readonly revokeAccount: StatementSync;
  readonly sweep: StatementSync;

  constructor(conn: SqliteConnection) {
    this.upsert = conn.prepare(
      `INSERT INTO oidc_models (model, id, payload, grant_id, uid, user_code, account_id, expires_at, consumed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (model, id) DO UPDATE SET
         payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
         user_code = excluded.user_code, account_id = excluded.account_id, expires_at = excluded.expires_at,
         consumed_at = excluded.consumed_at`,
    );
    this.find = conn.prepare(`SELECT payload FROM oidc_models WHERE model = ? AND id = ? AND ${LIVE}`);
    // uid / userCode are unique in practice; if not, the most recently inserted row wins.
    this.findByUid = conn.prepare(
      `SELECT payload FROM oidc_models WHERE model = ? AND uid = ? AND ${LIVE} ORDER BY rowid DESC LIMIT 1`,
    );
    this.findByUserCode = conn.prepare(
      `SELECT payload FROM oidc_models WHERE model = ? AND user_code = ? AND ${LIVE} ORDER BY rowid DESC LIMIT 1`,
    );
    // One statement: check-and-set happens under SQLite's write lock, so exactly one caller (of this process or
    // any other) changes the row. `consumed` goes into the payload too because oidc-provider reads it from there.
    this.consume = conn.prepare(
      `UPDATE oidc_models SET consumed_at = ?, payload = json_set(payload, '$.consumed', ?)
       WHERE model = ? AND id = ? AND consumed_at IS NULL AND ${LIVE}`,
    );
    this.destroy = conn.prepare('DELETE FROM oidc_models WHERE model = ? AND id = ?');
    this.revokeByGrantId = conn.prepare('DELETE FROM oidc_models WHERE model = ? AND grant_id = ?');
    // The Grant record itself has no grantId (its id is the grant id) but is the head of the family.
    this.revokeGrant = conn.prepare(`DELETE FROM oidc_models WHERE grant_id = ? OR (model = 'Grant' AND id = ?)`);
    // The account's own records, and every record of its grants (a token of a grant may lack accountId).
    this.revokeAccount = conn.prepare(
      `DELETE FROM oidc_models WHERE account_id = ?1
         OR grant_id IN (SELECT id FROM oidc_models WHERE model = 'Grant' AND account_id = ?1)`,
    );
    this.sweep = conn.prepare('DELETE FROM oidc_models WHERE expires_at <= ?');
  }
}

/** {@link ModelStore} of one oidc-provider model, rows keyed by (model, id). */
export class SqliteModelStore implements ModelStore {
  readonly #conn: SqliteConnection;
  readonly #sql: ModelStatements;
  readonly #model: string;

  constructor(conn: SqliteConnection, statements: ModelStatements, model: string) {
    this.#conn = conn;
    this.#sql = statements;
    this.#model = model;
  }

  async upsert(id: string, payload: ModelPayload, expiresIn: number | undefined): Promise<void> {
    this.#conn.use(`${this.#model}.upsert`, () => {
      const now = this.#conn.now();
      if (expiresIn !== undefined && !Number.isFinite(expiresIn)) {
        throw new AuthmeshError('ERR_STORAGE', `storage: ${this.#model}.upsert: expiresIn must be a finite number`);
      }
      const expiresAt = expiresIn === undefined ? null : now + Math.round(expiresIn * 1000);
      this.#sql.upsert.run(
        this.#model,
        id,
        toJson(payload, `${this.#model} payload`),
        stringField(payload.grantId),
        stringField(payload.uid),
        stringField(payload.userCode),
        stringField(payload.accountId),
        expiresAt,
        consumedAt(payload.consumed, now),
      );
    });
  }

  async find(id: string): Promise<ModelPayload | undefined> {
    return this.#conn.use(`${this.#model}.find`, () =>
      parse(this.#sql.find.get(this.#model, id, this.#conn.now())?.payload),
    );
  }

  async findByUid(uid: string): Promise<ModelPayload | undefined> {
    return this.#conn.use(`${this.#model}.findByUid`, () =>
      parse(this.#sql.findByUid.get(this.#model, uid, this.#conn.now())?.payload),
    );
  }

  async findByUserCode(userCode: string): Promise<ModelPayload | undefined> {
    return this.#conn.use(`${this.#model}.findByUserCode`, () =>
      parse(this.#sql.findByUserCode.get(this.#model, userCode, this.#conn.now())?.payload),
    );
  }

  async consume(id: string): Promise<boolean> {
    return this.#conn.use(`${this.#model}.consume`, () => {
      const now = this.#conn.now();
      const { changes } = this.#sql.consume.run(now, Math.floor(now / 1000), this.#model, id, now);
      return Number(changes) === 1;
    });
  }

  async destroy(id: string): Promise<void> {
    this.#conn.use(`${this.#model}.destroy`, () => this.#sql.destroy.run(this.#model, id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.#conn.use(`${this.#model}.revokeByGrantId`, () => this.#sql.revokeByGrantId.run(this.#model, grantId));
  }
}

function stringField(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * oidc-provider re-saves a consumed model with `consumed` (epoch seconds) in its payload; keep the row consumed
 * so that a later `consume()` still returns false (refresh-token reuse detection depends on it).
 */
function consumedAt(consumed: unknown, now: number): number | null {
  if (typeof consumed === 'number' && Number.isFinite(consumed)) return consumed * 1000;
  return consumed ? now : null;
}

function parse(payload: SQLOutputValue | undefined): ModelPayload | undefined {
  if (payload === undefined) return undefined;
  return JSON.parse(text(payload, 'oidc_models.payload')) as ModelPayload;
}
