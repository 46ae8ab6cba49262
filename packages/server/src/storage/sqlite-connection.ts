import type { DatabaseSync, SQLOutputValue, StatementSync } from 'node:sqlite';
import { AuthmeshError } from '../errors.ts';

/**
 * One open `node:sqlite` database shared by the stores of a backend: the clock, the closed flag, and the
 * single place where driver errors become `AuthmeshError`s. Every store goes through {@link SqliteConnection.use}
 * so that use-after-close and driver failures look the same everywhere.
 */
export class SqliteConnection {
  readonly #db: DatabaseSync;
  readonly #label: string;
  /** The injected clock, epoch milliseconds. */
  readonly now: () => number;
  #closed = false;

  constructor(db: DatabaseSync, label: string, now: () => number) {
    this.#db = db;
    this.#label = label;
    this.now = now;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Prepares a statement once, at store construction; statements are reused for the life of the connection. */
  prepare(sql: string): StatementSync {
    return this.#db.prepare(sql);
  }

  /** Throws `ERR_STORAGE` when the backend has been closed. */
  assertOpen(action: string): void {
    if (this.#closed) {
      throw new AuthmeshError('ERR_STORAGE', `storage ${this.#label} is closed (${action})`);
    }
  }

  /** Runs `fn` on the open database; driver errors are rethrown as `ERR_STORAGE` with the original as `cause`. */
  use<T>(action: string, fn: () => T): T {
    this.assertOpen(action);
    try {
      return fn();
    } catch (error) {
      throw wrap(error, `storage ${this.#label}: ${action} failed`);
    }
  }

  /**
   * Runs `fn` in a write transaction. `BEGIN IMMEDIATE` takes the write lock up front, so a concurrent writer
   * in another process waits (busy_timeout) at BEGIN instead of failing mid-transaction on lock upgrade.
   * node:sqlite is synchronous, so no other call of this process can interleave between BEGIN and COMMIT.
   */
  transaction<T>(action: string, fn: () => T): T {
    return this.use(action, () => {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const result = fn();
        this.#db.exec('COMMIT');
        return result;
      } catch (error) {
        // A failed COMMIT may already have rolled back; only roll back what is still open.
        if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  /** Runs `fn` in a read transaction, so that several reads see one snapshot even with writers in other processes. */
  snapshot<T>(action: string, fn: () => T): T {
    return this.use(action, () => {
      this.#db.exec('BEGIN DEFERRED');
      try {
        return fn();
      } finally {
        this.#db.exec('COMMIT');
      }
    });
  }

  /** Closes the database. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}

/** Wraps anything that is not already an `AuthmeshError` into `ERR_STORAGE`. */
export function wrap(error: unknown, message: string): AuthmeshError {
  if (error instanceof AuthmeshError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new AuthmeshError('ERR_STORAGE', `${message}: ${detail}`, { cause: error });
}

/** A TEXT column, checked: a non-string means the file was written by something else. */
export function text(value: SQLOutputValue | undefined, column: string): string {
  if (typeof value !== 'string') {
    throw new AuthmeshError('ERR_STORAGE', `storage: column ${column} is not text (database corrupt or foreign)`);
  }
  return value;
}

/** An INTEGER column, checked. */
export function integer(value: SQLOutputValue | undefined, column: string): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'number') {
    throw new AuthmeshError('ERR_STORAGE', `storage: column ${column} is not an integer (database corrupt or foreign)`);
  }
  return value;
}

/** JSON text for a value; rejects what JSON cannot represent (undefined, functions, symbols) instead of storing null. */
export function toJson(value: unknown, what: string): string {
  const json = JSON.stringify(value);
  if (json === undefined) {
    throw new AuthmeshError('ERR_STORAGE', `storage: ${what} is not JSON-serialisable`);
  }
  return json;
}
