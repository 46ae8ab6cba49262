import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPostgresCluster, stopPostgresCluster } from './postgres-cluster.ts';

/** An existing server to test against instead of a throwaway cluster: a superuser (or CREATEDB) URL. */
export const TEST_DATABASE_URL_ENV = 'AUTHMESH_TEST_DATABASE_URL';
/** Set by the global setup: the directory where the one cluster of the test run lives once a file needs it. */
export const SHARED_CLUSTER_DIR_ENV = 'AUTHMESH_TEST_POSTGRES_DIR';

/** A PostgreSQL server for tests: databases are created on demand and dropped by {@link TestPostgres.stop}. */
export interface TestPostgres {
  /** The server's administrative URL (the `postgres` database). */
  readonly url: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Drops the databases this handle created, and stops the server if this handle started it. */
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL for a test file. In order of preference: the server named by `AUTHMESH_TEST_DATABASE_URL`;
 * the test run's one shared cluster (started by the first file that asks, stopped by the global setup's
 * teardown); a cluster of its own, stopped by `stop()`. The clusters are Debian's `postgresql` server binaries
 * in a temporary directory on a free port of 127.0.0.1.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const external = process.env[TEST_DATABASE_URL_ENV];
  if (external) return new Databases(external, async () => {});
  const shared = process.env[SHARED_CLUSTER_DIR_ENV];
  if (shared) return new Databases(await sharedClusterUrl(shared), async () => {});
  const root = makeRunDirectory();
  try {
    const cluster = await startPostgresCluster(join(root, 'cluster'));
    return new Databases(cluster.url, () => stopAndRemove(root));
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

/**
 * A private temporary directory for a cluster. Traversable (0711) because the cluster inside it belongs to the
 * `postgres` OS user when the tests run as root; nothing in it is listable by others.
 */
export function makeRunDirectory(): string {
  const root = mkdtempSync(join(tmpdir(), 'authmesh-pg-'));
  chmodSync(root, 0o711);
  return root;
}

/** Stops the shared cluster under `root`, if a test file started it, and removes `root`. */
export async function stopAndRemove(root: string): Promise<void> {
  try {
    await stopPostgresCluster(join(root, 'cluster'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

class Databases implements TestPostgres {
  readonly url: string;
  readonly #created: string[] = [];
  readonly #stopServer: () => Promise<void>;

  constructor(url: string, stopServer: () => Promise<void>) {
    this.url = url;
    this.#stopServer = stopServer;
  }

  async createDatabase(): Promise<string> {
    const name = `authmesh_test_${randomUUID().replaceAll('-', '')}`;
    await this.#admin(`CREATE DATABASE ${name}`);
    this.#created.push(name);
    const url = new URL(this.url);
    url.pathname = `/${name}`;
    return url.toString();
  }

  async stop(): Promise<void> {
    try {
      // FORCE ends the connections a test left open (a storage it did not close, a killed process's).
      for (const name of this.#created.splice(0)) await this.#admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await this.#stopServer();
    }
  }

  async #admin(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}

/**
 * The URL of the run's shared cluster. The first caller (of any test process) claims the directory with an
 * atomic mkdir and starts the cluster; the others wait for the URL file it writes (or the failure it records),
 * woken by the file system, not by polling.
 */
async function sharedClusterUrl(root: string): Promise<string> {
  const urlFile = join(root, 'url');
  const failedFile = join(root, 'failed');
  try {
    mkdirSync(join(root, 'claim'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return waitForOutcome(root, urlFile, failedFile);
  }
  try {
    const cluster = await startPostgresCluster(join(root, 'cluster'));
    // Written then renamed, so that a waiter never reads half a URL.
    writeFileSync(`${urlFile}.tmp`, cluster.url);
    renameSync(`${urlFile}.tmp`, urlFile);
    return cluster.url;
  } catch (error) {
    writeFileSync(failedFile, error instanceof Error ? error.message : String(error));
    throw error;
  }
}

function waitForOutcome(root: string, urlFile: string, failedFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const watcher = watch(root);
    const check = () => {
      if (existsSync(urlFile)) {
        watcher.close();
        resolve(readFileSync(urlFile, 'utf8'));
      } else if (existsSync(failedFile)) {
        watcher.close();
        reject(new Error(`the shared test PostgreSQL did not start: ${readFileSync(failedFile, 'utf8')}`));
      }
    };
    watcher.on('change', check);
    watcher.on('error', (error) => {
      watcher.close();
      reject(error);
    });
    // The outcome may have been written before the watcher started.
    check();
  });
}
