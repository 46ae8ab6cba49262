import type { SQLOutputValue, StatementSync } from 'node:sqlite';
import { AuthmeshError } from '../errors.ts';
import type { Entity, EntityKind, EntityOp, EntityPage, EntityStore, ListOptions } from './contract.ts';
import { integer, type SqliteConnection, text, toJson } from './sqlite-connection.ts';

/**
 * {@link EntityStore.findUsersByUsername}'s query. Its `kind = 'user'` and `lower(json_extract(…))` are those of
 * the partial expression index `entities_user_username` (sqlite-schema.ts), word for word: SQLite uses an
 * expression index only for the same expression, and a partial one only when the query repeats its WHERE
 * (a literal, not a parameter). SQLite's `lower` folds ASCII letters only, as the contract says.
 */
export const FIND_USERS_BY_USERNAME_SQL = `SELECT id, key, doc FROM entities
  WHERE kind = 'user' AND lower(json_extract(doc, '$.username')) = lower(?) ORDER BY seq`;

/**
 * {@link EntityStore.findUsersByEmail}'s query. Its `kind = 'user'` and `json_extract(doc, '$.email')` are those
 * of the partial expression index `entities_user_email` (sqlite-schema.ts), word for word (as for usernames).
 */
export const FIND_USERS_BY_EMAIL_SQL = `SELECT id, key, doc FROM entities
  WHERE kind = 'user' AND json_extract(doc, '$.email') = ? ORDER BY seq`;

/** {@link EntityStore} on the `entities` table: one row per (kind, id), unique (kind, key), ordered by `seq`. */
export class SqliteEntityStore implements EntityStore {
  readonly #conn: SqliteConnection;
  readonly #get: StatementSync;
  readonly #getByKey: StatementSync;
  readonly #list: StatementSync;
  readonly #count: StatementSync;
  readonly #byUsername: StatementSync;
  readonly #byEmail: StatementSync;
  readonly #keyOwner: StatementSync;
  readonly #put: StatementSync;
  readonly #delete: StatementSync;

  constructor(conn: SqliteConnection) {
    this.#conn = conn;
    this.#get = conn.prepare('SELECT id, key, doc FROM entities WHERE kind = ? AND id = ?');
    this.#getByKey = conn.prepare('SELECT id, key, doc FROM entities WHERE kind = ? AND key = ?');
    // LIMIT -1 is SQLite for "no limit".
    this.#list = conn.prepare('SELECT id, key, doc FROM entities WHERE kind = ? ORDER BY seq LIMIT ? OFFSET ?');
    this.#count = conn.prepare('SELECT count(*) AS n FROM entities WHERE kind = ?');
    this.#byUsername = conn.prepare(FIND_USERS_BY_USERNAME_SQL);
    this.#byEmail = conn.prepare(FIND_USERS_BY_EMAIL_SQL);
    this.#keyOwner = conn.prepare('SELECT id FROM entities WHERE kind = ? AND key = ?');
    // A new row takes the next seq of its kind; an update keeps its seq (and so its place in `list`).
    this.#put = conn.prepare(
      `INSERT INTO entities (kind, id, key, doc, seq)
       VALUES (?1, ?2, ?3, ?4, (SELECT coalesce(max(seq), 0) + 1 FROM entities WHERE kind = ?1))
       ON CONFLICT (kind, id) DO UPDATE SET key = excluded.key, doc = excluded.doc`,
    );
    this.#delete = conn.prepare('DELETE FROM entities WHERE kind = ? AND id = ?');
  }

  async get<T>(kind: EntityKind, id: string): Promise<Entity<T> | undefined> {
    return this.#conn.use('entities.get', () => toEntity<T>(this.#get.get(kind, id)));
  }

  async getByKey<T>(kind: EntityKind, key: string): Promise<Entity<T> | undefined> {
    return this.#conn.use('entities.getByKey', () => toEntity<T>(this.#getByKey.get(kind, key)));
  }

  async list<T>(kind: EntityKind, options: ListOptions = {}): Promise<EntityPage<T>> {
    this.#conn.assertOpen('entities.list');
    const offset = count(options.offset, 'offset') ?? 0;
    const limit = count(options.limit, 'limit') ?? -1;
    // One snapshot, so that `total` and `items` agree even while another process writes.
    return this.#conn.snapshot('entities.list', () => {
      const items = this.#list.all(kind, limit, offset).map((row) => toEntity<T>(row) as Entity<T>);
      const total = integer(this.#count.get(kind)?.n, 'count');
      return { items, total };
    });
  }

  async findUsersByUsername<T>(username: string): Promise<Entity<T>[]> {
    return this.#conn.use('entities.findUsersByUsername', () =>
      this.#byUsername.all(username).map((row) => toEntity<T>(row) as Entity<T>),
    );
  }

  async findUsersByEmail<T>(email: string): Promise<Entity<T>[]> {
    return this.#conn.use('entities.findUsersByEmail', () =>
      this.#byEmail.all(email).map((row) => toEntity<T>(row) as Entity<T>),
    );
  }

  async apply(ops: readonly EntityOp[]): Promise<void> {
    this.#conn.assertOpen('entities.apply');
    if (ops.length === 0) return;
    // Serialise up front: a doc that cannot be stored fails the batch before the transaction starts.
    const docs = ops.map((op) => (op.op === 'put' ? toJson(op.doc, `${op.kind} ${op.id} doc`) : ''));
    this.#conn.transaction('entities.apply', () => {
      for (const [i, op] of ops.entries()) {
        if (op.op === 'delete') {
          this.#delete.run(op.kind, op.id);
          continue;
        }
        // Ops apply in order, so a key freed by an earlier op of the batch can be taken by a later one.
        const owner = this.#keyOwner.get(op.kind, op.key)?.id;
        if (owner !== undefined && owner !== op.id) throw conflict(op.kind, op.key);
        try {
          this.#put.run(op.kind, op.id, op.key, docs[i] ?? '');
        } catch (error) {
          // Backstop for the check above (e.g. a writer this process does not see).
          if (isUniqueViolation(error)) throw conflict(op.kind, op.key, error);
          throw error;
        }
      }
    });
  }
}

function toEntity<T>(row: Record<string, SQLOutputValue> | undefined): Entity<T> | undefined {
  if (row === undefined) return undefined;
  return {
    id: text(row.id, 'entities.id'),
    key: text(row.key, 'entities.key'),
    doc: JSON.parse(text(row.doc, 'entities.doc')) as T,
  };
}

function conflict(kind: EntityKind, key: string, cause?: unknown): AuthmeshError {
  return new AuthmeshError('ERR_STORAGE_CONFLICT', `a ${kind} with key "${key}" already exists`, { cause });
}

function isUniqueViolation(error: unknown): boolean {
  // node:sqlite puts the extended result code in `errcode`: SQLITE_CONSTRAINT_UNIQUE = 2067.
  return (error as { errcode?: unknown } | null)?.errcode === 2067;
}

function count(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new AuthmeshError('ERR_STORAGE', `storage: entities.list: ${name} must be a non-negative integer`);
  }
  return value;
}
