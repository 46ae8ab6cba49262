/**
 * A scale-bench target: `createTenant` with the server test fixture, on Postgres when BENCH_DATABASE is a
 * `postgres://` URL (several of these processes may share it), otherwise on real SQLite in a temp dataDir.
 * BENCH_ISSUER makes a second process on the same database issue as the first one does. BENCH_CPU (a `taskset`
 * list, such as `0`) pins the process to those CPUs before the tenant starts. Prints `<listening URL> <issuer>`
 * as its first stdout line; removes its dataDir (if any) on SIGTERM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTenant } from '@authmesh/server';
import { fixtureConfig } from '@authmesh/testkit';
import { pin } from '../cpu.ts';

// Every thread there is now (the main thread, V8's platform workers) is pinned; every thread started later
// (libuv's pool, which signs RS256 on first use; the password-hashing workers) inherits the mask of the thread
// that starts it, so the whole process stays on BENCH_CPU. run.ts checks each thread's affinity after each run.
if (process.env.BENCH_CPU) pin([process.pid], process.env.BENCH_CPU);

const database = process.env.BENCH_DATABASE || undefined;
const dataDir = database ? undefined : mkdtempSync(join(tmpdir(), 'authmesh-bench-scale-'));

const tenant = await createTenant({
  config: fixtureConfig(),
  port: 0,
  ...(database ? { database } : { dataDir }),
  ...(process.env.BENCH_ISSUER ? { issuer: process.env.BENCH_ISSUER } : {}),
  onError: (error) => console.error('authmesh server_error:', error),
});
console.log(`${tenant.url} ${tenant.issuer}`);

process.on('SIGTERM', () => {
  void tenant.close().finally(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
