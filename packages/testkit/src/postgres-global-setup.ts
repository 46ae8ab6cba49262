import { makeRunDirectory, SHARED_CLUSTER_DIR_ENV, stopAndRemove, TEST_DATABASE_URL_ENV } from './postgres.ts';

/**
 * Vitest global setup: one PostgreSQL cluster for the whole test run, started lazily by the first test file
 * that calls `startPostgres()` (a run without Postgres tests starts none), stopped here at the end of the run.
 * Each test file still gets its own databases. Test processes inherit the directory through the environment.
 */
export default function setup(): (() => Promise<void>) | undefined {
  if (process.env[TEST_DATABASE_URL_ENV]) return undefined;
  const root = makeRunDirectory();
  process.env[SHARED_CLUSTER_DIR_ENV] = root;
  return () => stopAndRemove(root);
}
