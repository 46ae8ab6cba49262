import { join } from 'node:path';
import pg from 'pg';
import { makeRunDirectory, stopAndRemove } from './postgres.ts';
import { pausePostgresCluster, resumePostgresCluster, startPostgresCluster } from './postgres-cluster.ts';

/** A PostgreSQL server of one test file's own, which the test may stop and start again. */
export interface RestartablePostgres {
  /** A database created for the test (the server's `postgres` database is left alone). */
  readonly database: string;
  /** Stops the server as an operator's restart would: connections end, data stays. */
  pause(): Promise<void>;
  /** Starts it again on the same port. */
  resume(): Promise<void>;
  /** Stops the server and deletes it. */
  stop(): Promise<void>;
}

/**
 * A throwaway cluster for fault tests: never the run's shared one (other test files use it at the same time),
 * nor an external server named by `AUTHMESH_TEST_DATABASE_URL` (a test must not restart someone's server).
 */
export async function startRestartablePostgres(): Promise<RestartablePostgres> {
  const root = makeRunDirectory();
  const dir = join(root, 'cluster');
  try {
    const cluster = await startPostgresCluster(dir);
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE authmesh_faults');
    await admin.end();
    const url = new URL(cluster.url);
    url.pathname = '/authmesh_faults';
    return {
      database: url.toString(),
      pause: () => pausePostgresCluster(dir),
      resume: () => resumePostgresCluster(dir),
      stop: () => stopAndRemove(root),
    };
  } catch (error) {
    await stopAndRemove(root).catch(() => {});
    throw error;
  }
}
