import type pg from 'pg';
import { AuthmeshError } from '../errors.ts';
import { wrap } from './sqlite-connection.ts';

/** A parameter of a query: what the stores pass (JSON goes as text and is cast with `::json`). */
export type SqlValue = string | number | null;

/** What a query gives back: its rows, and how many rows a write changed. */
export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

/** The part of a connection a statement runs on: the pool itself, or one client inside a transaction. */
export interface Queryable {
  query<Row>(sql: string, params?: readonly SqlValue[]): Promise<QueryResult<Row>>;
}

/** At most this many distinct statement texts are prepared per connection; the stores use a few dozen. */
const MAX_PREPARED = 200;

/**
 * The connection pool shared by the stores of a Postgres backend: the clock, the closed flag, and the single
 * place where driver errors become `AuthmeshError`s, as {@link SqliteConnection} is for SQLite.
 */
export class PostgresConnection {
  readonly #pool: pg.Pool;
  readonly #label: string;
  /** The name each statement text is prepared under (see `#statement`). */
  readonly #names = new Map<string, string>();
  /** The injected clock, epoch milliseconds. */
  readonly now: () => number;
  #closing: Promise<void> | undefined;

  constructor(pool: pg.Pool, label: string, now: () => number) {
    this.#pool = pool;
    this.#label = label;
    this.now = now;
    // An idle pooled client whose server goes away emits 'error' on the pool; unhandled, it would kill the
    // process. The pool drops that client and the next query opens a new one, so there is nothing to do.
    pool.on('error', () => {});
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Throws `ERR_STORAGE` when the backend has been closed. */
  assertOpen(action: string): void {
    if (this.closed) throw new AuthmeshError('ERR_STORAGE', `storage ${this.#label} is closed (${action})`);
  }

  /** One statement on any pooled connection; driver errors become `ERR_STORAGE` with the original as `cause`. */
  async query<Row>(action: string, sql: string, params: readonly SqlValue[] = []): Promise<QueryResult<Row>> {
    this.assertOpen(action);
    try {
      return toResult<Row>(await this.#pool.query(this.#statement(sql, params)));
    } catch (error) {
      throw wrapDriverError(error, `storage ${this.#label}: ${action} failed`);
    }
  }

  /**
   * Runs `fn` in one transaction on one connection: all of it commits, or none of it. An `AuthmeshError`
   * thrown by `fn` rolls back and passes through unchanged.
   */
  async transaction<T>(action: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.assertOpen(action);
    let client: pg.PoolClient;
    let broken: Error | undefined;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw wrapDriverError(error, `storage ${this.#label}: ${action} failed`);
    }
    // The server going away between two statements of the transaction reports on the client, which the pool
    // does not listen to while it is checked out: unhandled, it would end the process. The next statement
    // fails with the same cause, and the broken client is not returned to the pool.
    const lost = (error: Error) => {
      broken ??= error;
    };
    client.on('error', lost);
    const tx: Queryable = {
      query: async <Row>(sql: string, params: readonly SqlValue[] = []) =>
        toResult<Row>(await client.query(this.#statement(sql, params))),
    };
    try {
      await client.query('BEGIN');
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is unusable (server gone, timeout): it must not go back to the pool.
        broken = rollbackError as Error;
      }
      throw wrapDriverError(error, `storage ${this.#label}: ${action} failed`);
    } finally {
      client.off('error', lost);
      client.release(broken);
    }
  }

  /**
   * `sql` as a named prepared statement: each connection parses and plans it once, not on every call (an
   * unnamed statement is parsed and planned again each time, which costs about as much CPU, in Postgres and in
   * the driver, as running the statement; the per-request lookups such as the client-secret throttle are one
   * statement each). The stores' statements are constants, so the names are few; should a caller ever build
   * SQL text dynamically, texts beyond {@link MAX_PREPARED} run unnamed rather than pile up on the server.
   * Statements without parameters stay unnamed: the driver sends those with the simple protocol, which also
   * runs several statements in one text, and a prepared statement cannot hold several.
   */
  #statement(sql: string, params: readonly SqlValue[]): pg.QueryConfig<SqlValue[]> {
    let name = this.#names.get(sql);
    if (name === undefined && params.length > 0 && this.#names.size < MAX_PREPARED) {
      name = `authmesh_${this.#names.size + 1}`;
      this.#names.set(sql, name);
    }
    return name === undefined ? { text: sql, values: [...params] } : { name, text: sql, values: [...params] };
  }

  /** Ends every pooled connection. Idempotent; concurrent callers wait for the same end. */
  close(): Promise<void> {
    this.#closing ??= this.#pool.end();
    return this.#closing;
  }
}

function toResult<Row>(result: pg.QueryResult): QueryResult<Row> {
  return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
}

/**
 * False for a string Postgres `text` cannot hold (a NUL character): no stored row can match it, so a lookup by
 * it finds nothing without asking the server (which would refuse the parameter with an encoding error).
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000');
}

/**
 * A driver error as `ERR_STORAGE` (the original as `cause`), its SQLSTATE in the message when it has one: an
 * operator tells `57P01` (the server shutting down) from `57014` (the statement timeout) at a glance.
 */
export function wrapDriverError(error: unknown, message: string): AuthmeshError {
  const state = sqlState(error);
  return wrap(error, state === undefined ? message : `${message} (SQLSTATE ${state})`);
}

/** The SQLSTATE of a driver error, if it has one (e.g. `23505` unique_violation). */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The connection string with its password masked, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparseable connection string)';
  }
}
