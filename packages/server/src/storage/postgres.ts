import pg from 'pg';
import { AuthmeshError } from '../errors.ts';
import type { ChangeListener, EntityStore, ModelStore, Storage } from './contract.ts';
import { PostgresChangeFeed } from './postgres-change-feed.ts';
import { isStorableText, PostgresConnection, redactUrl } from './postgres-connection.ts';
import { PostgresCounters } from './postgres-counters.ts';
import { PostgresEntityStore } from './postgres-entity-store.ts';
import { PostgresLocks } from './postgres-locks.ts';
import { loadMigrations, type MigrationReport, migrateSchema, schemaVersion } from './postgres-migrate.ts';
import { MODEL_SQL, PostgresModelStore } from './postgres-model-store.ts';
import { toJson, wrap } from './sqlite-connection.ts';

/** Options of {@link openPostgresStorage}. */
export interface PostgresStorageOptions {
  /** A libpq-style connection string: `postgres://user:password@host:5432/database?sslmode=require`. */
  url: string;
  /**
   * Apply pending schema migrations before opening (default true). With false, a database whose schema is not
   * current is refused: run `authmesh migrate` first (for deployments where the app role may not change schema).
   */
  migrate?: boolean;
  /** Server-side bound on every statement, in ms (Postgres `statement_timeout`). Default 5 000. */
  statementTimeoutMs?: number;
  /** How long to wait for a connection to open, in ms. Default 5 000. */
  connectTimeoutMs?: number;
  /** Most connections this process keeps open. Default 10. */
  poolSize?: number;
  /** How often expired model records are deleted, in ms. Default 60 000; 0 disables the timer. */
  sweepIntervalMs?: number;
  /** The clock, epoch milliseconds. Default `Date.now`; tests inject their own to move time. */
  now?: () => number;
}

const DEFAULTS = { statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, poolSize: 10, sweepIntervalMs: 60_000 };

/**
 * Migrations may rewrite big tables: they get a longer bound than ordinary statements, and the advisory lock
 * wait (another process migrating) counts against it.
 */
const MIGRATION_STATEMENT_TIMEOUT_MS = 300_000;

/**
 * Opens the Postgres storage backend: several tenant processes may share one database. Consume is one
 * conditional UPDATE (row lock), entity batches are one transaction, create-once state is
 * `INSERT … ON CONFLICT DO NOTHING`: the guarantees of the contract hold across processes.
 *
 * Values (model payloads, entity docs, state) are stored as `json` text: what JSON cannot represent does not
 * round-trip. Times are the tenant's clock (epoch ms), not the database server's. Data at rest (disk
 * encryption, backups, who may connect) is the operator's: the database holds signing keys, client secrets
 * and password hashes.
 *
 * @throws AuthmeshError `ERR_STORAGE` when the database cannot be reached, or its schema is newer than this
 *   authmesh (or not current, with `migrate: false`). Messages never contain the password of the URL.
 */
export async function openPostgresStorage(options: PostgresStorageOptions): Promise<Storage> {
  const settings = { ...DEFAULTS, ...definedOnly(options) };
  for (const name of ['statementTimeoutMs', 'connectTimeoutMs', 'poolSize', 'sweepIntervalMs'] as const) {
    if (!Number.isSafeInteger(settings[name]) || settings[name] < 0) {
      throw new AuthmeshError('ERR_STORAGE', `storage: ${name} must be a non-negative integer`);
    }
  }
  const label = redactUrl(options.url);
  await withMigrationClient(options.url, settings.connectTimeoutMs, async (client) => {
    if (options.migrate === false) await assertSchemaCurrent(client);
    else await migrateSchema(client);
  });
  const pool = new pg.Pool({
    connectionString: options.url,
    max: settings.poolSize,
    statement_timeout: settings.statementTimeoutMs,
    // A transaction left open by a stuck caller must not hold row locks for ever.
    idle_in_transaction_session_timeout: Math.max(settings.statementTimeoutMs * 2, 10_000),
    connectionTimeoutMillis: settings.connectTimeoutMs,
    keepAlive: true,
    application_name: 'authmesh',
  });
  const conn = new PostgresConnection(pool, label, options.now ?? Date.now);
  const changes = new PostgresChangeFeed(conn, options.url, settings.connectTimeoutMs);
  const locks = new PostgresLocks(
    new pg.Pool({
      connectionString: options.url,
      max: settings.poolSize,
      statement_timeout: settings.statementTimeoutMs,
      connectionTimeoutMillis: settings.connectTimeoutMs,
      keepAlive: true,
      application_name: 'authmesh lock',
    }),
    label,
  );
  return new PostgresStorage(conn, changes, locks, settings.sweepIntervalMs);
}

/**
 * Applies the pending schema migrations and returns what it did: what `authmesh migrate` runs. Safe while
 * tenant processes run and start (they take the same advisory lock).
 */
export async function migratePostgres(
  url: string,
  connectTimeoutMs = DEFAULTS.connectTimeoutMs,
): Promise<MigrationReport> {
  return withMigrationClient(url, connectTimeoutMs, (client) => migrateSchema(client));
}

async function withMigrationClient<T>(url: string, connectTimeoutMs: number, fn: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({
    connectionString: url,
    statement_timeout: MIGRATION_STATEMENT_TIMEOUT_MS,
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: 'authmesh migrate',
  });
  // A connection lost while idle reports here; the awaited query reports it too, so this only keeps it handled.
  client.on('error', () => {});
  try {
    await client.connect();
    return await fn(client);
  } catch (error) {
    throw wrap(error, `storage ${redactUrl(url)}: cannot migrate`);
  } finally {
    await client.end().catch(() => {});
  }
}

async function assertSchemaCurrent(client: pg.Client): Promise<void> {
  const newest = loadMigrations().length;
  const current = await schemaVersion(client);
  if (current !== newest) {
    throw new AuthmeshError(
      'ERR_STORAGE',
      `storage schema version is ${current}, this authmesh needs ${newest}: run \`authmesh migrate --database …\``,
    );
  }
}

class PostgresStorage implements Storage {
  readonly entities: EntityStore;
  readonly counters: PostgresCounters;
  readonly #conn: PostgresConnection;
  readonly #changes: PostgresChangeFeed;
  readonly #locks: PostgresLocks;
  readonly #stores = new Map<string, ModelStore>();
  readonly #timer: NodeJS.Timeout | undefined;
  #sweeping = false;

  constructor(conn: PostgresConnection, changes: PostgresChangeFeed, locks: PostgresLocks, sweepIntervalMs: number) {
    this.#conn = conn;
    this.#changes = changes;
    this.#locks = locks;
    this.entities = new PostgresEntityStore(conn);
    this.counters = new PostgresCounters(conn, changes);
    if (sweepIntervalMs > 0) {
      this.#timer = setInterval(() => this.#sweepInBackground(), sweepIntervalMs);
      // The sweeper must never keep the process alive on its own.
      this.#timer.unref();
    }
  }

  model(name: string): ModelStore {
    this.#conn.assertOpen(`model(${name})`);
    let store = this.#stores.get(name);
    if (store === undefined) {
      store = new PostgresModelStore(this.#conn, name);
      this.#stores.set(name, store);
    }
    return store;
  }

  async revokeGrant(grantId: string): Promise<void> {
    this.#conn.assertOpen('revokeGrant');
    if (!isStorableText(grantId)) return;
    await this.#conn.query('revokeGrant', MODEL_SQL.revokeGrant, [grantId]);
  }

  async revokeAccount(accountId: string): Promise<number> {
    this.#conn.assertOpen('revokeAccount');
    if (!isStorableText(accountId)) return 0;
    return (await this.#conn.query('revokeAccount', MODEL_SQL.revokeAccount, [accountId])).rowCount;
  }

  async getState<T>(key: string): Promise<T | undefined> {
    const { rows } = await this.#conn.query<{ value: T }>('getState', 'SELECT value FROM state WHERE key = $1', [key]);
    return rows[0]?.value;
  }

  async setStateIfAbsent<T>(key: string, value: T): Promise<T> {
    this.#conn.assertOpen('setStateIfAbsent');
    // The row is never replaced here, so the first writer (of any process) wins. The read is a second
    // statement on purpose: it takes a new snapshot, which sees a winner that committed during the insert.
    await this.#conn.query(
      'setStateIfAbsent',
      'INSERT INTO state (key, value) VALUES ($1, $2::json) ON CONFLICT (key) DO NOTHING',
      [key, toJson(value, `state ${key}`)],
    );
    return (await this.getState<T>(key)) as T;
  }

  async setState(key: string, value: unknown): Promise<void> {
    this.#conn.assertOpen('setState');
    await this.#conn.query(
      'setState',
      'INSERT INTO state (key, value) VALUES ($1, $2::json) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, toJson(value, `state ${key}`)],
    );
  }

  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.#conn.assertOpen('exclusive');
    return this.#locks.exclusive(name, fn);
  }

  announceChange(): Promise<void> {
    return this.#changes.announce();
  }

  onChange(listener: ChangeListener): () => void {
    this.#conn.assertOpen('onChange');
    return this.#changes.subscribe(listener);
  }

  async sweepExpired(): Promise<number> {
    const now = this.#conn.now();
    await this.#conn.query('sweepCounters', 'DELETE FROM counters WHERE expires_at <= $1', [now]);
    return (await this.#conn.query('sweepExpired', MODEL_SQL.sweep, [now])).rowCount;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#changes.close();
    await this.#locks.close();
    await this.#conn.close();
  }

  #sweepInBackground(): void {
    // A sweep slower than the interval must not pile up connections.
    if (this.#sweeping || this.#conn.closed) return;
    this.#sweeping = true;
    this.sweepExpired()
      .catch((error: unknown) => {
        // A failing sweep (database restarting) is retried at the next tick; it must not crash the process.
        if (!this.#conn.closed) process.emitWarning(error as Error, { code: 'AUTHMESH_STORAGE_SWEEP' });
      })
      .finally(() => {
        this.#sweeping = false;
      });
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
