/**
 * Where one login's CPU goes (not part of the test suite): starts the login bench's tenant (servers/tenant.ts)
 * with `--cpu-prof`, runs LOGINS complete browser logins one after another, and prints the server's CPU per
 * login split by thread: the main thread (HTTP, engine, login pages; what the profile shows), the hashing
 * workers, and the rest (libuv's pool, V8's GC and compiler threads). The profile of the main thread is
 * written to PROFILE_DIR (default a temp directory) for Chrome DevTools or `--cpu-prof` tooling.
 * Usage: node bench/login/profile.ts   (env: LOGINS=100 WARMUP=20 BENCH_HASH_THREADS=<threads>)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loginForCode } from '@authmesh/testkit';
import { env, fmt, processCpuS } from '../lib/measure.ts';
import { startBenchServer, stopBenchServer } from '../lib/servers.ts';
import { SPA } from '../token-endpoint/fixture.ts';
import { threadCpuS } from './thread-cpu.ts';

const LOGINS = env('LOGINS', 100);
const WARMUP = env('WARMUP', 20);
const profileDir = process.env.PROFILE_DIR ?? mkdtempSync(join(tmpdir(), 'authmesh-login-profile-'));

const password = randomBytes(12).toString('base64url');
const server = await startBenchServer('authmesh', join(import.meta.dirname, 'servers/tenant.ts'), {
  BENCH_PASSWORD_SCHEME: 'argon2id',
  BENCH_USERS: '1',
  BENCH_PASSWORD: password,
  NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}`,
});
const issuer = server.firstLine;
const login = () => loginForCode({ issuer, ...SPA, username: 'user0@bench.test', password });
try {
  for (let i = 0; i < WARMUP; i++) await login();
  const threads0 = threadCpuS(server.pid);
  const total0 = processCpuS(server.pid);
  for (let i = 0; i < LOGINS; i++) await login();
  const total = processCpuS(server.pid) - total0;
  const threads = threadCpuS(server.pid);
  console.log(`${LOGINS} logins, one at a time: ${fmt((total * 1000) / LOGINS, 1)} ms server CPU per login`);
  const rows = [...threads]
    .map(([name, s]) => [name, ((s - (threads0.get(name) ?? 0)) * 1000) / LOGINS] as const)
    .filter(([, ms]) => ms >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  for (const [name, ms] of rows) console.log(`  ${name.padEnd(20)} ${fmt(ms, 1).padStart(7)} ms per login`);
} finally {
  await stopBenchServer(server);
}
console.log(`main-thread CPU profile: ${profileDir}`);
