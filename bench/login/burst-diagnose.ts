/**
 * Why client-credentials p99 rises during a login burst (not part of the test suite; see bench/README.md). One
 * tenant (servers/tenant.ts, hashing workers) with BENCH_LOOP_STATS, optionally under `--cpu-prof`
 * (PROFILE_DIR=<dir>): the burst bench's two windows, client-credentials alone then with BURST logins, and
 * after each the tenant's main-thread figures for that window (event-loop delay, utilisation, GC pauses), next
 * to the client-credentials latencies. The profile covers the whole run; `profile-tasks.ts` finds its long tasks.
 * Usage: node bench/login/burst-diagnose.ts   (env: DURATION_S=8 WARMUP_S=2 CC_CONNECTIONS=4 BURST=20 USERS=4
 * PROFILE_DIR=<dir>; any BENCH_* variable is passed to the tenant)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLoad } from '../lib/load.ts';
import { env, fmt, measureWindow } from '../lib/measure.ts';
import { startBenchServer, stopBenchServer } from '../lib/servers.ts';
import { tokenRequestBody } from '../token-endpoint/fixture.ts';
import { startLoginClient, withLogins } from './burst-loads.ts';
import type { LoopStats } from './loop-stats.ts';
import { threadCpuS } from './thread-cpu.ts';

const DURATION_S = env('DURATION_S', 8);
const WARMUP_S = env('WARMUP_S', 2);
const CC_CONNECTIONS = env('CC_CONNECTIONS', 4);
const BURST = env('BURST', 20);
const USERS = env('USERS', 4);
const profileDir = process.env.PROFILE_DIR;

const password = randomBytes(12).toString('base64url');
const statsFile = join(mkdtempSync(join(tmpdir(), 'authmesh-burst-diagnose-')), 'loop-stats.jsonl');
const server = await startBenchServer('tenant', join(import.meta.dirname, 'servers/tenant.ts'), {
  BENCH_PASSWORD_SCHEME: 'argon2id',
  BENCH_USERS: String(USERS),
  BENCH_PASSWORD: password,
  BENCH_LOOP_STATS: statsFile,
  ...(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir} --cpu-prof-interval=250` } : {}),
});
const issuer = server.firstLine;

let signalled = 0;
/**
 * Asks the tenant for its main-thread figures since the previous ask (it appends one line per SIGUSR2):
 * called by measureWindow as its `counter`, i.e. exactly when the window opens and when it ends.
 */
function mark(): number {
  server.child.kill('SIGUSR2');
  signalled++;
  threads.push({ at: performance.now(), cpu: threadCpuS(server.pid) });
  return 0;
}
const threads: { at: number; cpu: Map<string, number> }[] = [];
/** The tenant's CPU by thread over the window that just ended, in cores. */
function windowThreads(): string {
  const [start, end] = threads.slice(-2);
  if (!start || !end) return '';
  const s = (end.at - start.at) / 1000;
  return [...end.cpu]
    .map(([name, cpu]) => [name, (cpu - (start.cpu.get(name) ?? 0)) / s] as const)
    .filter(([, cores]) => cores >= 0.01)
    .sort((a, b) => b[1] - a[1])
    .map(([name, cores]) => `${name} ${fmt(cores, 2)}`)
    .join(', ');
}
/** The figures of the window that just ended: the last line, once every signal was answered. */
async function windowStats(): Promise<LoopStats> {
  const deadline = Date.now() + 5_000;
  while (readLines().length < signalled) {
    if (Date.now() > deadline) throw new Error('the tenant did not report its loop stats');
    await sleep(20);
  }
  return JSON.parse(readLines().at(-1) ?? '{}') as LoopStats;
}
function readLines(): string[] {
  try {
    return readFileSync(statsFile, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

const ccLoad = () =>
  startLoad({ url: issuer, path: '/oauth/token', body: tokenRequestBody('audience'), connections: CC_CONNECTIONS });

function print(label: string, cc: { p50: number; p99: number; max: number }, stats: LoopStats, extra = ''): void {
  const gc = Object.entries(stats.gc)
    .map(([kind, g]) => `${kind} ${g.count}× ${fmt(g.totalMs, 1)} ms (max ${fmt(g.maxMs, 1)})`)
    .join(', ');
  console.log(
    `${label}: CC p50 ${fmt(cc.p50, 2)} p99 ${fmt(cc.p99, 2)} max ${fmt(cc.max, 1)} ms${extra}\n` +
      `  main thread: loop delay p50 ${stats.delayMs.p50} p99 ${stats.delayMs.p99} max ${stats.delayMs.max} ms, ` +
      `utilisation ${fmt(stats.utilization, 2)}\n  tenant threads (cores): ${windowThreads()}\n  GC: ${gc || 'none'}; pauses ≥ 2 ms: ` +
      `${stats.longGcMs.map((g) => `${g.kind} ${fmt(g.ms, 1)}`).join(', ') || 'none'}`,
  );
}

try {
  const idle = await measureWindow(ccLoad(), {
    pid: server.pid,
    warmupS: WARMUP_S,
    durationS: DURATION_S,
    done: (r) => r.ok,
    counter: mark,
  });
  print('idle', idle.result.latencyMs, await windowStats(), `, ${fmt(idle.perS)} tokens/s`);
  const logins = await startLoginClient({ issuer, password, users: USERS, connections: BURST });
  const burst = await measureWindow(withLogins(ccLoad(), logins), {
    pid: server.pid,
    warmupS: WARMUP_S,
    durationS: DURATION_S,
    done: (r) => r.ok,
    counter: mark,
  });
  const { login } = burst.result;
  print(
    `burst (${BURST} logins)`,
    burst.result.latencyMs,
    await windowStats(),
    `, ${fmt(burst.perS)} tokens/s, ${fmt(login.logins / login.elapsedS, 1)} logins/s, server ${fmt(burst.serverCores, 2)} cores, other ${fmt(burst.otherCores, 2)}`,
  );
} finally {
  await stopBenchServer(server);
}
if (profileDir) console.log(`main-thread CPU profile in ${profileDir}`);
