/**
 * On-demand benchmark (not part of the test suite): client-credentials latency while logins run. For each
 * target, one tenant process (servers/tenant.ts) answers a modest closed-loop client-credentials load
 * (CC_CONNECTIONS loops) first alone ("idle"), then while BURST concurrent browser logins run against the
 * same tenant ("burst"); the figure is p99 burst ÷ p99 idle of the client-credentials requests (the issue's
 * bound: at most 2). Targets: the tenant's password-hashing workers as they come (SCHED_IDLE threads, which any
 * waking thread preempts at once, and a niced rescue thread for a hash that waited 2 s); the same without the
 * rescue; niced threads alone (`idle: false`); and hashing on libuv's thread pool (`threads: 0`), where RS256
 * signing waits behind the hashes, as before. ONLY=<name>|<name> measures some of them.
 * Usage: npm run bench:login-burst   (env: RUNS=3 DURATION_S=8 WARMUP_S=2 CC_CONNECTIONS=4 BURST=20 USERS=4;
 * HASH_QUEUE=<n> sets the workers row's `passwordHashing.maxQueue`, to see the 503s of a queue smaller
 * than the burst)
 * See bench/README.md for how to read the numbers.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { type LoadResult, startLoad } from '../lib/load.ts';
import { env, fmt, list, measureWindow, median, sum } from '../lib/measure.ts';
import { printTable, startBench, writeResults } from '../lib/report.ts';
import { type BenchServer, startBenchServer, stopBenchServer } from '../lib/servers.ts';
import { tokenRequestBody } from '../token-endpoint/fixture.ts';
import { startLoginClient, withLogins } from './burst-loads.ts';
import type { LoginLoadResult } from './login-load.ts';

const RUNS = env('RUNS', 3);
const DURATION_S = env('DURATION_S', 8);
const WARMUP_S = env('WARMUP_S', 2);
const CC_CONNECTIONS = env('CC_CONNECTIONS', 4);
const BURST = env('BURST', 20);
const USERS = env('USERS', 4);
/** The issue's bound on client-credentials p99 during a login burst, relative to idle. */
const TARGET_RATIO = 2;

interface Target {
  name: string;
  env: Record<string, string>;
}

const HASH_QUEUE = process.env.HASH_QUEUE;
const WORKERS = HASH_QUEUE === undefined ? 'hashing workers (default)' : `hashing workers (maxQueue ${HASH_QUEUE})`;
const LIBUV = 'libuv pool (threads: 0, before)';
const NICE_ONLY = 'hashing workers, idle: false';
const NO_RESCUE = 'hashing workers, rescueAfterMs: 0';
const queueEnv: Record<string, string> = HASH_QUEUE === undefined ? {} : { BENCH_HASH_QUEUE: HASH_QUEUE };
const TARGETS: Target[] = [
  // The default: SCHED_IDLE hashing threads, and a niced rescue thread for a hash that waited 2 s.
  { name: WORKERS, env: queueEnv },
  // Niced threads alone (the default before the idle policy).
  { name: NICE_ONLY, env: { ...queueEnv, BENCH_HASH_IDLE: '0' } },
  { name: NO_RESCUE, env: { ...queueEnv, BENCH_HASH_RESCUE_MS: '0' } },
  { name: LIBUV, env: { BENCH_HASH_THREADS: '0' } },
].filter((t) => !process.env.ONLY || process.env.ONLY.split('|').includes(t.name));

interface Server extends BenchServer {
  target: Target;
  issuer: string;
}

interface Run {
  idle: LoadResult;
  burst: LoadResult;
  logins: LoginLoadResult;
  /** p99 burst ÷ p99 idle of the client-credentials requests. */
  p99Ratio: number;
  ccPerSIdle: number;
  ccPerSBurst: number;
  loginsPerS: number;
  serverCoresBurst: number;
  otherCoresBurst: number;
}

async function startServer(target: Target, password: string): Promise<Server> {
  const server = await startBenchServer(target.name, join(import.meta.dirname, 'servers/tenant.ts'), {
    ...target.env,
    BENCH_PASSWORD_SCHEME: 'argon2id',
    BENCH_USERS: String(USERS),
    BENCH_PASSWORD: password,
  });
  return { ...server, target, issuer: server.firstLine };
}

function ccLoad(server: Server) {
  return startLoad({
    url: server.issuer,
    path: '/oauth/token',
    body: tokenRequestBody('audience'),
    connections: CC_CONNECTIONS,
  });
}

async function measure(server: Server, password: string): Promise<Run> {
  const idle = await measureWindow(ccLoad(server), {
    pid: server.pid,
    warmupS: WARMUP_S,
    durationS: DURATION_S,
    done: (r) => r.ok,
  });
  const logins = await startLoginClient({ issuer: server.issuer, password, users: USERS, connections: BURST });
  const burst = await measureWindow(withLogins(ccLoad(server), logins), {
    pid: server.pid,
    warmupS: WARMUP_S,
    durationS: DURATION_S,
    done: (r) => r.ok,
  });
  const { login, ...burstTokens } = burst.result;
  return {
    idle: idle.result,
    burst: burstTokens,
    logins: login,
    p99Ratio: burstTokens.latencyMs.p99 / idle.result.latencyMs.p99,
    ccPerSIdle: idle.perS,
    ccPerSBurst: burst.perS,
    loginsPerS: login.logins / login.elapsedS,
    serverCoresBurst: burst.serverCores,
    otherCoresBurst: burst.otherCores,
  };
}

async function main(): Promise<void> {
  const start = await startBench('login-burst');
  console.log(
    `${RUNS} runs × 2 phases × (${WARMUP_S} s warm-up + ${DURATION_S} s): ${CC_CONNECTIONS} client-credentials ` +
      `loops alone, then with ${BURST} concurrent logins\n`,
  );
  const password = randomBytes(12).toString('base64url');
  const servers: Server[] = [];
  try {
    for (const target of TARGETS) servers.push(await startServer(target, password));
    const runs = new Map<string, Run[]>(TARGETS.map((t) => [t.name, []]));
    for (let round = 1; round <= RUNS; round++) {
      for (const server of round % 2 ? servers : [...servers].reverse()) {
        const run = await measure(server, password);
        runs.get(server.target.name)!.push(run);
        console.log(
          `run ${round}/${RUNS} ${server.target.name}: client-credentials p99 ${fmt(run.idle.latencyMs.p99, 1)} ms ` +
            `idle, ${fmt(run.burst.latencyMs.p99, 1)} ms during ${BURST} logins (×${run.p99Ratio.toFixed(2)}); ` +
            `${fmt(run.loginsPerS, 1)} logins/s, ${run.logins.refused} refused (503), other ` +
            `${fmt(run.otherCoresBurst, 2)} cores${run.logins.failed > run.logins.refused ? `, ${run.logins.failed - run.logins.refused} logins FAILED` : ''}`,
        );
      }
    }
    const loadavgEnd = loadavg();
    const summary = (r: Run[]) => ({
      p99IdleMs: median(r.map((x) => x.idle.latencyMs.p99)),
      p99BurstMs: median(r.map((x) => x.burst.latencyMs.p99)),
      p50IdleMs: median(r.map((x) => x.idle.latencyMs.p50)),
      p50BurstMs: median(r.map((x) => x.burst.latencyMs.p50)),
      p99Ratio: median(r.map((x) => x.p99Ratio)),
      p99RatioPerRun: r.map((x) => x.p99Ratio),
      ccPerSIdle: median(r.map((x) => x.ccPerSIdle)),
      ccPerSBurst: median(r.map((x) => x.ccPerSBurst)),
      loginsPerS: median(r.map((x) => x.loginsPerS)),
      loginP99Ms: median(r.map((x) => x.logins.latencyMs.p99)),
      refused: sum(r.map((x) => x.logins.refused)),
      // A 503 with Retry-After is the bound at work, not a failure of the run.
      failed: sum(r.map((x) => x.logins.failed - x.logins.refused)),
      ccFailed: sum(r.map((x) => sum(Object.values(x.idle.failures)) + sum(Object.values(x.burst.failures)))),
      checked: sum(r.map((x) => x.logins.checked)),
      serverCoresBurst: median(r.map((x) => x.serverCoresBurst)),
      otherCoresBurst: median(r.map((x) => x.otherCoresBurst)),
    });
    const summaries = new Map([...runs].map(([name, r]) => [name, summary(r)]));

    console.log(`\nmedian of ${RUNS} runs\n`);
    printTable([
      [
        'target',
        'CC p50 idle',
        'CC p99 idle',
        'CC p50 burst',
        'CC p99 burst',
        'p99 ratio',
        'CC/s idle',
        'CC/s burst',
        'logins/s',
        'login p99',
        'refused',
        'server cores',
        'other',
      ],
      ...[...summaries].map(([name, s]) => [
        name,
        fmt(s.p50IdleMs, 1),
        fmt(s.p99IdleMs, 1),
        fmt(s.p50BurstMs, 1),
        fmt(s.p99BurstMs, 1),
        s.p99Ratio.toFixed(2),
        fmt(s.ccPerSIdle),
        fmt(s.ccPerSBurst),
        fmt(s.loginsPerS, 1),
        fmt(s.loginP99Ms),
        `${s.refused}/${s.checked}`,
        fmt(s.serverCoresBurst, 2),
        fmt(s.otherCoresBurst, 2),
      ]),
    ]);
    const workers = summaries.get(WORKERS)!;
    console.log(
      `\nclient-credentials p99 during ${BURST} logins ÷ idle, hashing workers: ${workers.p99Ratio.toFixed(2)} ` +
        `(per run ${list(workers.p99RatioPerRun)}; target ≤ ${TARGET_RATIO}: ` +
        `${workers.p99Ratio <= TARGET_RATIO ? 'met' : 'NOT met'}); ${workers.refused} of ${workers.checked} logins ` +
        `refused with 503`,
    );
    for (const [name, label] of [
      [NICE_ONLY, 'with niced hashing threads alone (idle: false)'],
      [NO_RESCUE, 'with SCHED_IDLE hashing threads and no rescue (rescueAfterMs: 0)'],
    ] as const) {
      const other = summaries.get(name);
      if (!other) continue;
      console.log(
        `the same ${label}: ${other.p99Ratio.toFixed(2)} (per run ${list(other.p99RatioPerRun)}), ` +
          `${fmt(other.loginsPerS, 1)} logins/s against ${fmt(workers.loginsPerS, 1)}; ` +
          `${other.refused} of ${other.checked} logins refused with 503`,
      );
    }
    const libuv = summaries.get(LIBUV);
    if (libuv)
      console.log(
        `the same on libuv's pool (before): ${libuv.p99Ratio.toFixed(2)} (per run ${list(libuv.p99RatioPerRun)}); ` +
          `libuv p99 burst ÷ workers p99 burst: ${(libuv.p99BurstMs / workers.p99BurstMs).toFixed(2)}`,
      );
    console.log(`load average at end: ${list(loadavgEnd)}`);
    for (const [name, r] of runs) {
      for (const sample of new Set(r.flatMap((run) => run.logins.failureSamples)))
        console.log(`${name} login FAILED: ${sample}`);
      for (const sample of new Set(r.flatMap((run) => [...run.idle.failureSamples, ...run.burst.failureSamples])))
        console.log(`${name} client-credentials FAILED: ${sample}`);
    }
    writeResults(start, loadavgEnd, {
      config: { RUNS, DURATION_S, WARMUP_S, CC_CONNECTIONS, BURST, USERS, HASH_QUEUE },
      median: Object.fromEntries(summaries),
      runs: Object.fromEntries(runs),
    });
    const failed = sum([...summaries.values()].map((s) => s.failed + s.ccFailed));
    if (failed > 0) process.exitCode = 1;
  } finally {
    await Promise.all(servers.map(stopBenchServer));
  }
}

await main();
