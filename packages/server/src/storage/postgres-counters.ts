import type { CounterStore } from './counters.ts';
import type { PostgresChangeFeed } from './postgres-change-feed.ts';
import type { PostgresConnection } from './postgres-connection.ts';
import { toJson } from './sqlite-connection.ts';

/**
 * Counters in the `counters` table, shared by every process on the database. An update is one transaction:
 * the row is created if missing (so that there is a row to lock), locked with `FOR UPDATE`, changed and
 * written back; a concurrent update of the same key in any process waits for the lock and sees the result.
 * Expired rows read as absent and are deleted by the storage's sweeper.
 *
 * Announcements go out on the change feed's counters channel (NOTIFY); the version counts them, and the
 * feed's reconnections (announcements may have been lost meanwhile). The feed is subscribed to on the first
 * {@link version} call, so a process that never keeps what it reads (a CLI command) opens no listening
 * connection for it.
 */
export class PostgresCounters implements CounterStore {
  readonly #conn: PostgresConnection;
  readonly #changes: PostgresChangeFeed;
  #version = 0;
  #subscribed = false;

  constructor(conn: PostgresConnection, changes: PostgresChangeFeed) {
    this.#conn = conn;
    this.#changes = changes;
  }

  async read<T>(keys: readonly string[], now: number): Promise<Map<string, T>> {
    const { rows } = await this.#conn.query<{ key: string; value: T }>(
      'counters.read',
      'SELECT key, value FROM counters WHERE key = ANY ($1::text[]) AND expires_at > $2',
      [toPgArray(keys), now],
    );
    return new Map(rows.map((row) => [row.key, row.value]));
  }

  update<T>(key: string, change: (current: T | undefined) => T, now: number, expiresAt: number): Promise<T> {
    return this.#conn.transaction('counters.update', async (tx) => {
      await tx.query(
        "INSERT INTO counters (key, value, expires_at) VALUES ($1, 'null', 0) ON CONFLICT (key) DO NOTHING",
        [key],
      );
      const { rows } = await tx.query<{ value: T; expires_at: string }>(
        'SELECT value, expires_at FROM counters WHERE key = $1 FOR UPDATE',
        [key],
      );
      const row = rows[0];
      const value = change(row !== undefined && Number(row.expires_at) > now ? row.value : undefined);
      await tx.query('UPDATE counters SET value = $2::json, expires_at = $3 WHERE key = $1', [
        key,
        toJson(value, `counter ${key}`),
        expiresAt,
      ]);
      return value;
    });
  }

  async delete(key: string): Promise<void> {
    await this.#conn.query('counters.delete', 'DELETE FROM counters WHERE key = $1', [key]);
  }

  announce(): Promise<void> {
    // Raised before the NOTIFY: readers of this process (another tenant's throttle on this storage) must not
    // wait for a round trip, and a read that started before the caller's write is thereby recognised as stale.
    this.#version += 1;
    return this.#changes.announce('counters');
  }

  version(): number {
    if (!this.#subscribed) {
      this.#subscribed = true;
      this.#changes.subscribe(() => {
        this.#version += 1;
      }, 'counters');
    }
    return this.#version;
  }
}

/** A text[] literal for `$1::text[]` (the driver passes parameters as text). */
function toPgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}
