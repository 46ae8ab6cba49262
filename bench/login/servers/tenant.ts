/**
 * A login-bench target: `createTenant` with the fixture's SPA and BENCH_USERS users (`user<i>@bench.test`,
 * password BENCH_PASSWORD), real SQLite in a temp dataDir. With BENCH_PASSWORD_SCHEME=scrypt the tenant's
 * password module is replaced by `../legacy-scrypt-passwords.ts` (the code before argon2id) through a module
 * resolve hook, so both targets run the same login route and differ only in how passwords are hashed.
 * BENCH_HASH_THREADS sets `passwordHashing.threads` (0: on libuv's pool, as before the hashing workers;
 * unset: the tenant's default), BENCH_HASH_QUEUE `passwordHashing.maxQueue`, BENCH_HASH_NICE `.nice`,
 * BENCH_HASH_IDLE=0|1 `.idle` (SCHED_IDLE hashing threads; unset: the default, on), BENCH_HASH_RESCUE_MS
 * `.rescueAfterMs`.
 * BENCH_LOOP_STATS=<file> watches the main thread (event-loop delay, utilisation, GC pauses; see loop-stats.ts)
 * and appends what it saw since the last report to that file as one JSON line at each SIGUSR2.
 * Prints its issuer as the first stdout line; removes the dataDir on SIGTERM.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const scheme = process.env.BENCH_PASSWORD_SCHEME ?? 'argon2id';
let swapped = false;
if (scheme === 'scrypt') {
  const legacy = pathToFileURL(join(import.meta.dirname, '../legacy-scrypt-passwords.ts')).href;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      if (!resolved.url.endsWith('/packages/server/src/tenant/passwords.ts')) return resolved;
      swapped = true;
      return { ...resolved, url: legacy };
    },
  });
} else if (scheme !== 'argon2id') {
  throw new Error(`BENCH_PASSWORD_SCHEME must be scrypt or argon2id, got ${scheme}`);
}

// Imported after the hook is in place, so that the server's own imports go through it.
const { createTenant } = await import('@authmesh/server');
const { fixtureConfig } = await import('@authmesh/testkit');
// Should the password module move, the "before" row would silently measure today's hashing: refuse instead.
if (scheme === 'scrypt' && !swapped)
  throw new Error('the tenant did not load its password module from the expected path');

const users = Number(process.env.BENCH_USERS ?? 4);
const hashThreads = process.env.BENCH_HASH_THREADS;
const hashQueue = process.env.BENCH_HASH_QUEUE;
const hashNice = process.env.BENCH_HASH_NICE;
const hashIdle = process.env.BENCH_HASH_IDLE;
const hashRescue = process.env.BENCH_HASH_RESCUE_MS;
const passwordHashing = {
  ...(hashThreads === undefined ? {} : { threads: Number(hashThreads) }),
  ...(hashQueue === undefined ? {} : { maxQueue: Number(hashQueue) }),
  ...(hashNice === undefined ? {} : { nice: Number(hashNice) }),
  ...(hashIdle === undefined ? {} : { idle: hashIdle === '1' }),
  ...(hashRescue === undefined ? {} : { rescueAfterMs: Number(hashRescue) }),
};
const password = process.env.BENCH_PASSWORD ?? '';
const dataDir = mkdtempSync(join(tmpdir(), 'authmesh-bench-login-'));
const template = fixtureConfig().users[0];
if (!template || password === '') throw new Error('the fixture has no user to copy, or BENCH_PASSWORD is empty');

const tenant = await createTenant({
  config: fixtureConfig({
    users: Array.from({ length: users }, (_, i) => ({
      ...template,
      email: `user${i}@bench.test`,
      name: `Bench User ${i}`,
      password,
    })),
  }),
  port: 0,
  dataDir,
  passwordHashing,
  onError: (error) => console.error('authmesh server_error:', error),
});
console.log(tenant.issuer);

const loopStatsFile = process.env.BENCH_LOOP_STATS;
if (loopStatsFile) {
  const { watchMainThread } = await import('../loop-stats.ts');
  const watch = watchMainThread();
  process.on('SIGUSR2', () => appendFileSync(loopStatsFile, `${JSON.stringify(watch.report())}\n`));
}

process.on('SIGTERM', () => {
  void tenant.close().finally(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
