import { dirname, resolve } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { AuthmeshError } from '../errors.ts';
import type { ChangeListener, EntityStore, ModelStore, Storage } from './contract.ts';
import { MemoryCounters } from './counters.ts';
import { KeyedQueue } from './keyed-queue.ts';
import { createPrivateDirectory, ensurePrivateFile, tightenFileIfPresent } from './private-files.ts';
import { integer, SqliteConnection, text, toJson, wrap } from './sqlite-connection.ts';
import { SqliteEntityStore } from './sqlite-entity-store.ts';
import { ModelStatements, SqliteModelStore } from './sqlite-model-store.ts';
import { applyPragmas, migrate } from './sqlite-schema.ts';

/** Options of {@link openSqliteStorage}. */
export interface SqliteStorageOptions {
  /**
   * Database file path, or `':memory:'`. A missing directory is created 0700; the file and its `-wal` and
   * `-shm` are 0600, whatever the umask (they hold signing keys and client secrets).
   */
  path: string;
  /** How often expired model records are deleted, in ms. Default 60 000; 0 disables the timer. */
  sweepIntervalMs?: number;
  /** The clock, epoch milliseconds. Default `Date.now`; tests inject their own to move time. */
  now?: () => number;
}

const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

/**
 * Opens the embedded storage backend on `node:sqlite`: one file, WAL journal, for a tenant on one machine.
 *
 * Durability: a process crash (kill -9) loses no committed write and never corrupts the file; an OS crash or
 * power loss may lose the last committed transactions, not the file's integrity (WAL with synchronous=NORMAL).
 * Several processes may open the same file; writes serialise on SQLite's lock (busy timeout 5 s).
 *
 * Values (model payloads, entity docs, state) are stored as JSON: what JSON cannot represent does not round-trip.
 * node:sqlite is synchronous: every call runs to completion on the calling thread; the methods are async only
 * because the {@link Storage} contract is (for networked backends).
 *
 * @throws AuthmeshError `ERR_STORAGE` when the file cannot be opened or has a newer schema.
 */
export function openSqliteStorage(options: SqliteStorageOptions): Storage {
  const { path, sweepIntervalMs = DEFAULT_SWEEP_INTERVAL_MS, now = Date.now } = options;
  if (!Number.isFinite(sweepIntervalMs) || sweepIntervalMs < 0) {
    throw new AuthmeshError('ERR_STORAGE', `storage: sweepIntervalMs must be a non-negative number`);
  }
  const db = openDatabase(path);
  return new SqliteStorage(new SqliteConnection(db, path, now), sweepIntervalMs);
}

function openDatabase(path: string): DatabaseSync {
  const inMemory = path === ':memory:' || path === '';
  let db: DatabaseSync | undefined;
  try {
    if (!inMemory) {
      createPrivateDirectory(dirname(resolve(path)));
      ensurePrivateFile(path);
    }
    db = new DatabaseSync(path);
    applyPragmas(db);
    migrate(db);
    // SQLite creates these with the database's mode; ones left by an older run may be wider.
    if (!inMemory) for (const suffix of ['-wal', '-shm']) tightenFileIfPresent(`${path}${suffix}`);
    return db;
  } catch (error) {
    db?.close();
    throw wrap(error, `storage: cannot open ${path}`);
  }
}

class SqliteStorage implements Storage {
  readonly entities: EntityStore;
  /** In memory: only this process opens the file (the data-directory lock), so there is no one to share with. */
  readonly counters = new MemoryCounters();
  readonly #locks = new KeyedQueue();
  readonly #conn: SqliteConnection;
  readonly #models: ModelStatements;
  readonly #stores = new Map<string, ModelStore>();
  readonly #getState: StatementSync;
  readonly #setState: StatementSync;
  readonly #insertState: StatementSync;
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(conn: SqliteConnection, sweepIntervalMs: number) {
    this.#conn = conn;
    this.#models = new ModelStatements(conn);
    this.entities = new SqliteEntityStore(conn);
    this.#getState = conn.prepare('SELECT value FROM state WHERE key = ?');
    this.#setState = conn.prepare(
      'INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    // The row is never replaced here, so the first writer (of any process) wins; everyone reads back the winner.
    this.#insertState = conn.prepare('INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING');
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
      store = new SqliteModelStore(this.#conn, this.#models, name);
      this.#stores.set(name, store);
    }
    return store;
  }

  async revokeGrant(grantId: string): Promise<void> {
    this.#conn.use('revokeGrant', () => this.#models.revokeGrant.run(grantId, grantId));
  }

  async revokeAccount(accountId: string): Promise<number> {
    return this.#conn.use('revokeAccount', () => integer(this.#models.revokeAccount.run(accountId).changes, 'changes'));
  }

  async getState<T>(key: string): Promise<T | undefined> {
    return this.#conn.use('getState', () => this.#readState<T>(key));
  }

  async setStateIfAbsent<T>(key: string, value: T): Promise<T> {
    return this.#conn.use('setStateIfAbsent', () => {
      this.#insertState.run(key, toJson(value, `state ${key}`));
      return this.#readState<T>(key) as T;
    });
  }

  async setState(key: string, value: unknown): Promise<void> {
    this.#conn.use('setState', () => this.#setState.run(key, toJson(value, `state ${key}`)));
  }

  async sweepExpired(): Promise<number> {
    return this.#sweep();
  }

  /** One process per database file (the data-directory lock): a lock in this process's memory is enough. */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.run(name, fn);
  }

  /** One process per database file (the data-directory lock): there is no other process to tell. */
  async announceChange(): Promise<void> {}

  onChange(_listener: ChangeListener): () => void {
    return () => {};
  }

  async close(): Promise<void> {
    if (this.#conn.closed) return;
    clearInterval(this.#timer);
    this.#conn.close();
  }

  #readState<T>(key: string): T | undefined {
    const row = this.#getState.get(key);
    return row === undefined ? undefined : (JSON.parse(text(row.value, 'state.value')) as T);
  }

  #sweep(): number {
    return this.#conn.use('sweepExpired', () => integer(this.#models.sweep.run(this.#conn.now()).changes, 'changes'));
  }

  #sweepInBackground(): void {
    try {
      this.#sweep();
    } catch (error) {
      // A busy or failing sweep is retried at the next tick; it must not crash the process from a timer.
      process.emitWarning(error instanceof Error ? error : String(error), { code: 'AUTHMESH_STORAGE_SWEEP' });
    }
  }
}
