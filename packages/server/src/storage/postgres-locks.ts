import type pg from 'pg';
import { wrapDriverError } from './postgres-connection.ts';

/**
 * Named locks across every process on the database: Postgres session advisory locks, on connections of their
 * own (a lock is held while the caller's work runs its statements on the main pool, so sharing that pool
 * could leave every connection waiting for one held by a lock). A process that dies releases its locks with
 * its connections; waiting for a lock counts against the statement timeout.
 */
export class PostgresLocks {
  readonly #pool: pg.Pool;
  readonly #label: string;
  #closing: Promise<void> | undefined;

  constructor(pool: pg.Pool, label: string) {
    this.#pool = pool;
    this.#label = label;
    // An idle connection whose server went away: the pool drops it, the next lock opens another.
    pool.on('error', () => {});
  }

  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw wrapDriverError(error, `storage ${this.#label}: lock failed`);
    }
    let broken: Error | undefined;
    const lost = (error: Error) => {
      broken ??= error;
    };
    client.on('error', lost);
    try {
      try {
        await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [name]);
      } catch (error) {
        broken = error as Error;
        throw wrapDriverError(error, `storage ${this.#label}: lock failed`);
      }
      try {
        return await fn();
      } finally {
        try {
          await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [name]);
        } catch (error) {
          // A connection that could not unlock must not go back to the pool still holding the lock.
          broken = error as Error;
        }
      }
    } finally {
      client.off('error', lost);
      client.release(broken);
    }
  }

  /** Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#pool.end();
    return this.#closing;
  }
}
