import { AuthmeshError } from '../errors.ts';
import type { Entity, EntityKind, EntityOp, EntityPage, EntityStore, ListOptions } from './contract.ts';
import { isStorableText, type PostgresConnection, sqlState } from './postgres-connection.ts';
import { toJson } from './sqlite-connection.ts';

/** SQLSTATE unique_violation. */
const UNIQUE_VIOLATION = '23505';

// A new row takes the next seq; an update keeps its seq (and so its place in `list`). A key held by another id
// of the kind violates UNIQUE (kind, key): a concurrent batch taking the same key waits for ours, then fails.
// `username` and `email` are the user's `doc.username` and `doc.email`, written here rather than read from `doc`
// by an index expression (postgres-migrations/003_user_username_index.sql says why).
const PUT = `INSERT INTO entities (kind, id, key, doc, username, email) VALUES ($1, $2, $3, $4::json, $5, $6)
             ON CONFLICT (kind, id) DO UPDATE SET key = excluded.key, doc = excluded.doc, username = excluded.username,
             email = excluded.email`;

// One statement is one snapshot, so that `total` and `items` agree even while another process writes.
// LIMIT NULL is Postgres for "no limit".
const LIST = `SELECT (SELECT count(*) FROM entities WHERE kind = $1)::integer AS total,
                     coalesce((SELECT json_agg(json_build_object('id', id, 'key', key, 'doc', doc) ORDER BY seq)
                               FROM (SELECT id, key, doc, seq FROM entities WHERE kind = $1
                                     ORDER BY seq LIMIT $2 OFFSET $3) AS page), '[]'::json) AS items`;

/**
 * {@link EntityStore.findUsersByUsername}'s query. Its `kind = 'user'` and `lower(username COLLATE "C")` are
 * those of the partial expression index `entities_user_username` (postgres-migrations/003_user_username_index.sql),
 * word for word: Postgres uses an expression index only for the same expression, and a partial one only when
 * the query implies its WHERE. The "C" collation makes `lower` fold ASCII letters only, whatever the
 * database's locale (a Turkish locale would otherwise lower `I` to a dotless ı), as SQLite's `lower` does.
 */
export const FIND_USERS_BY_USERNAME_SQL = `SELECT id, key, doc FROM entities
  WHERE kind = 'user' AND lower(username COLLATE "C") = lower($1::text COLLATE "C") ORDER BY seq`;

/**
 * {@link EntityStore.findUsersByEmail}'s query: `kind = 'user'` is the WHERE of the partial index
 * `entities_user_email` (postgres-migrations/004_user_email_index.sql), which the planner needs repeated.
 */
export const FIND_USERS_BY_EMAIL_SQL = `SELECT id, key, doc FROM entities
  WHERE kind = 'user' AND email = $1::text ORDER BY seq`;

/** {@link EntityStore} on the `entities` table: one row per (kind, id), unique (kind, key), ordered by `seq`. */
export class PostgresEntityStore implements EntityStore {
  readonly #conn: PostgresConnection;

  constructor(conn: PostgresConnection) {
    this.#conn = conn;
  }

  async get<T>(kind: EntityKind, id: string): Promise<Entity<T> | undefined> {
    this.#conn.assertOpen('entities.get');
    if (!isStorableText(id)) return undefined;
    const { rows } = await this.#conn.query<Entity<T>>(
      'entities.get',
      'SELECT id, key, doc FROM entities WHERE kind = $1 AND id = $2',
      [kind, id],
    );
    return rows[0];
  }

  async getByKey<T>(kind: EntityKind, key: string): Promise<Entity<T> | undefined> {
    this.#conn.assertOpen('entities.getByKey');
    if (!isStorableText(key)) return undefined;
    const { rows } = await this.#conn.query<Entity<T>>(
      'entities.getByKey',
      'SELECT id, key, doc FROM entities WHERE kind = $1 AND key = $2',
      [kind, key],
    );
    return rows[0];
  }

  async list<T>(kind: EntityKind, options: ListOptions = {}): Promise<EntityPage<T>> {
    this.#conn.assertOpen('entities.list');
    const offset = count(options.offset, 'offset') ?? 0;
    const limit = count(options.limit, 'limit') ?? null;
    const { rows } = await this.#conn.query<EntityPage<T>>('entities.list', LIST, [kind, limit, offset]);
    return rows[0] ?? { items: [], total: 0 };
  }

  async findUsersByUsername<T>(username: string): Promise<Entity<T>[]> {
    this.#conn.assertOpen('entities.findUsersByUsername');
    // No `username` column holds a NUL character (Postgres text cannot): nobody has this one.
    if (!isStorableText(username)) return [];
    const { rows } = await this.#conn.query<Entity<T>>('entities.findUsersByUsername', FIND_USERS_BY_USERNAME_SQL, [
      username,
    ]);
    return rows;
  }

  async findUsersByEmail<T>(email: string): Promise<Entity<T>[]> {
    this.#conn.assertOpen('entities.findUsersByEmail');
    // No `email` column holds a NUL character (Postgres text cannot): nobody has this one.
    if (!isStorableText(email)) return [];
    const { rows } = await this.#conn.query<Entity<T>>('entities.findUsersByEmail', FIND_USERS_BY_EMAIL_SQL, [email]);
    return rows;
  }

  async apply(ops: readonly EntityOp[]): Promise<void> {
    this.#conn.assertOpen('entities.apply');
    if (ops.length === 0) return;
    // Serialise up front: a doc that cannot be stored fails the batch before the transaction starts.
    const docs = ops.map((op) => (op.op === 'put' ? toJson(op.doc, `${op.kind} ${op.id} doc`) : ''));
    for (const op of ops) {
      if (op.op === 'put' && !(isStorableText(op.id) && isStorableText(op.key))) {
        throw new AuthmeshError('ERR_STORAGE', `storage: a ${op.kind} id or key cannot contain a NUL character`);
      }
    }
    await this.#conn.transaction('entities.apply', async (tx) => {
      // Ops apply in order, so a key freed by an earlier op of the batch can be taken by a later one.
      for (const [i, op] of ops.entries()) {
        if (op.op === 'delete') {
          // No stored id has a NUL character: nothing to delete.
          if (!isStorableText(op.id)) continue;
          await tx.query('DELETE FROM entities WHERE kind = $1 AND id = $2', [op.kind, op.id]);
          continue;
        }
        try {
          const user = op.kind === 'user';
          const columns = [user ? textField(op.doc, 'username') : null, user ? textField(op.doc, 'email') : null];
          await tx.query(PUT, [op.kind, op.id, op.key, docs[i] ?? '', ...columns]);
        } catch (error) {
          if (sqlState(error) === UNIQUE_VIOLATION) throw conflict(op.kind, op.key, error);
          throw error;
        }
      }
    });
  }
}

/** A user document's `username` or `email` for its column: a string Postgres text can hold, or null. */
function textField(doc: unknown, field: 'username' | 'email'): string | null {
  const value = (doc as Record<string, unknown> | null)?.[field];
  return typeof value === 'string' && isStorableText(value) ? value : null;
}

function conflict(kind: EntityKind, key: string, cause?: unknown): AuthmeshError {
  return new AuthmeshError('ERR_STORAGE_CONFLICT', `a ${kind} with key "${key}" already exists`, { cause });
}

function count(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new AuthmeshError('ERR_STORAGE', `storage: entities.list: ${name} must be a non-negative integer`);
  }
  return value;
}
