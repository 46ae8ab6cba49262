/**
 * On-demand login benchmark (not part of the test suite): complete browser logins per server-CPU-second with
 * the previous password hashing (scrypt on libuv's pool) and today's (argon2id on the tenant's hashing
 * workers; also on libuv's pool, to separate the algorithm from where it runs), measured in the same run on
 * the same login route. Usage: npm run bench:login   (env: RUNS=3 DURATION_S=10 WARMUP_S=2 CONNECTIONS=4 USERS=4)
 * See bench/README.md for how to read the numbers.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { env, fmt, list, measureWindow, median, sum } from '../lib/measure.ts';
import { printTable, startBench, writeResults } from '../lib/report.ts';
import { type BenchServer, startBenchServer, stopBenchServer } from '../lib/servers.ts';
import { SPA } from '../token-endpoint/fixture.ts';
import { type LoginLoadResult, startLoginLoad } from './login-load.ts';

const RUNS = env('RUNS', 3);
const DURATION_S = env('DURATION_S', 10);
const WARMUP_S = env('WARMUP_S', 2);
const CONNECTIONS = env('CONNECTIONS', 4);
const USERS = env('USERS', 4);
/** The fixture's SPA (packages/testkit/src/fixture-config.ts). */

interface Target {
  name: string;
  /** What the server hashes with (see servers/tenant.ts). */
  env: Record<string, string>;
}

const BEFORE = 'before: scrypt N=2^15, r=8, p=1';
const AFTER = 'after: argon2id m=19 MiB, t=2, p=1, workers';
const ARGON2_LIBUV = 'argon2id on libuv (threads: 0)';
const OWASP_SCRYPT = 'scrypt N=2^17, r=8, p=1 (OWASP minimum)';
const TARGETS: Target[] = [
  { name: BEFORE, env: { BENCH_PASSWORD_SCHEME: 'scrypt', BENCH_SCRYPT_N: String(2 ** 15), BENCH_HASH_THREADS: '0' } },
  { name: AFTER, env: { BENCH_PASSWORD_SCHEME: 'argon2id' } },
  { name: ARGON2_LIBUV, env: { BENCH_PASSWORD_SCHEME: 'argon2id', BENCH_HASH_THREADS: '0' } },
  {
    name: OWASP_SCRYPT,
    env: { BENCH_PASSWORD_SCHEME: 'scrypt', BENCH_SCRYPT_N: String(2 ** 17), BENCH_HASH_THREADS: '0' },
  },
];
/** The issue's target: at least 1.5× the logins per server-CPU-second of the scrypt row. */
const TARGET_RATIO = 1.5;

interface Run extends LoginLoadResult {
  loginsPerS: number;
  serverCores: number;
  loginsPerCpuS: number;
  loadGenCores: number;
  /** Busy CPU of everything else on the machine (other sessions, the kernel), in cores. */
  otherCores: number;
}

interface Server extends BenchServer {
  target: Target;
  issuer: string;
}

async function startServer(target: Target, password: string): Promise<Server> {
  const server = await startBenchServer(target.name, join(import.meta.dirname, 'servers/tenant.ts'), {
    ...target.env,
    BENCH_USERS: String(USERS),
    BENCH_PASSWORD: password,
  });
  return { ...server, target, issuer: server.firstLine };
}

function usernames(): string[] {
  return Array.from({ length: USERS }, (_, i) => `user${i}@bench.test`);
}

async function measure(server: Server, password: string): Promise<Run> {
  const load = startLoginLoad({
    issuer: server.issuer,
    ...SPA,
    usernames: usernames(),
    password,
    connections: CONNECTIONS,
  });
  const measured = await measureWindow(load, {
    pid: server.pid,
    warmupS: WARMUP_S,
    durationS: DURATION_S,
    done: (result) => result.logins,
  });
  return {
    ...measured.result,
    loginsPerS: measured.perS,
    serverCores: measured.serverCores,
    loginsPerCpuS: measured.perCpuS,
    loadGenCores: measured.loadGenCores,
    otherCores: measured.otherCores,
  };
}

interface Summary {
  loginsPerS: number;
  p50Ms: number;
  p99Ms: number;
  serverCores: number;
  loginsPerCpuS: number;
  loadGenCores: number;
  otherCores: number;
  failed: number;
  checked: number;
}

function summarise(runs: Run[]): Summary {
  return {
    loginsPerS: median(runs.map((r) => r.loginsPerS)),
    p50Ms: median(runs.map((r) => r.latencyMs.p50)),
    p99Ms: median(runs.map((r) => r.latencyMs.p99)),
    serverCores: median(runs.map((r) => r.serverCores)),
    loginsPerCpuS: median(runs.map((r) => r.loginsPerCpuS)),
    loadGenCores: median(runs.map((r) => r.loadGenCores)),
    otherCores: median(runs.map((r) => r.otherCores)),
    // A refused login (503, queue full) is not expected at this concurrency: it counts as failed.
    failed: sum(runs.map((r) => r.failed)),
    checked: sum(runs.map((r) => r.checked)),
  };
}

function printSummaries(summaries: [string, Summary][]): void {
  printTable([
    [
      'target',
      'logins/s',
      'p50 ms',
      'p99 ms',
      'server cores',
      'logins/CPU-s',
      'ms CPU/login',
      'loadgen',
      'other',
      'failed',
    ],
    ...summaries.map(([name, s]) => [
      name,
      fmt(s.loginsPerS, 1),
      fmt(s.p50Ms),
      fmt(s.p99Ms),
      fmt(s.serverCores, 2),
      fmt(s.loginsPerCpuS, 1),
      fmt(1000 / s.loginsPerCpuS, 1),
      fmt(s.loadGenCores, 2),
      fmt(s.otherCores, 2),
      `${s.failed}/${s.checked}`,
    ]),
  ]);
}

async function main(): Promise<void> {
  const start = await startBench('login');
  console.log(`${RUNS} runs × (${WARMUP_S} s warm-up + ${DURATION_S} s) at ${CONNECTIONS} concurrent logins\n`);

  // A fresh password per invocation: nothing about it is secret, but nothing should depend on a fixed one.
  const password = randomBytes(12).toString('base64url');
  const servers: Server[] = [];
  try {
    for (const target of TARGETS) servers.push(await startServer(target, password));
    const runs = new Map<string, Run[]>(TARGETS.map((t) => [t.name, []]));
    for (let round = 1; round <= RUNS; round++) {
      // Alternate the order so that slow drift of the host speed does not favour one target.
      for (const server of round % 2 ? servers : [...servers].reverse()) {
        const run = await measure(server, password);
        runs.get(server.target.name)!.push(run);
        console.log(
          `run ${round}/${RUNS} ${server.target.name}: ${fmt(run.loginsPerS, 1)} logins/s, ` +
            `${fmt(run.loginsPerCpuS, 1)} per server-CPU-s, server ${fmt(run.serverCores, 2)} cores, ` +
            `other ${fmt(run.otherCores, 2)} cores${run.failed ? `, ${run.failed} FAILED` : ''}`,
        );
      }
    }

    const summaries = new Map([...runs].map(([name, r]) => [name, summarise(r)]));
    const before = runs.get(BEFORE)!;
    const after = runs.get(AFTER)!;
    const owasp = runs.get(OWASP_SCRYPT)!;
    const libuv = runs.get(ARGON2_LIBUV)!;
    const ratios = {
      afterOverBeforePerCpuS: summaries.get(AFTER)!.loginsPerCpuS / summaries.get(BEFORE)!.loginsPerCpuS,
      afterOverBeforePerCpuSPerRun: after.map((r, i) => r.loginsPerCpuS / before[i]!.loginsPerCpuS),
      argon2LibuvOverBeforePerCpuS: summaries.get(ARGON2_LIBUV)!.loginsPerCpuS / summaries.get(BEFORE)!.loginsPerCpuS,
      argon2LibuvOverBeforePerCpuSPerRun: libuv.map((r, i) => r.loginsPerCpuS / before[i]!.loginsPerCpuS),
      msCpuPerLogin: Object.fromEntries([...summaries].map(([name, s]) => [name, 1000 / s.loginsPerCpuS])),
      afterOverOwaspScryptPerCpuS: summaries.get(AFTER)!.loginsPerCpuS / summaries.get(OWASP_SCRYPT)!.loginsPerCpuS,
      afterOverOwaspScryptPerCpuSPerRun: after.map((r, i) => r.loginsPerCpuS / owasp[i]!.loginsPerCpuS),
    };
    const loadavgEnd = loadavg();

    console.log(`\nmedian of ${RUNS} runs\n`);
    printSummaries([...summaries]);
    console.log(
      `\nargon2id on workers ÷ scrypt N=2^15 (before): ${ratios.afterOverBeforePerCpuS.toFixed(2)} logins per ` +
        `server-CPU-second (per run ${list(ratios.afterOverBeforePerCpuSPerRun)}; target ≥ ${TARGET_RATIO}: ` +
        `${ratios.afterOverBeforePerCpuS >= TARGET_RATIO ? 'met' : 'NOT met'}); ` +
        `${fmt(1000 / summaries.get(AFTER)!.loginsPerCpuS, 1)} ms CPU per login (before ` +
        `${fmt(1000 / summaries.get(BEFORE)!.loginsPerCpuS, 1)} ms)`,
    );
    console.log(
      `argon2id on libuv ÷ scrypt N=2^15 (before): ${ratios.argon2LibuvOverBeforePerCpuS.toFixed(2)} ` +
        `(per run ${list(ratios.argon2LibuvOverBeforePerCpuSPerRun)})`,
    );
    console.log(
      `argon2id ÷ scrypt N=2^17 (OWASP minimum): ${ratios.afterOverOwaspScryptPerCpuS.toFixed(2)} ` +
        `(per run ${list(ratios.afterOverOwaspScryptPerCpuSPerRun)})`,
    );
    console.log(`load average at end: ${list(loadavgEnd)}`);
    for (const [name, r] of runs) {
      for (const sample of new Set(r.flatMap((run) => run.failureSamples))) console.log(`${name} FAILED: ${sample}`);
    }

    writeResults(start, loadavgEnd, {
      config: { RUNS, DURATION_S, WARMUP_S, CONNECTIONS, USERS },
      median: Object.fromEntries(summaries),
      ratios,
      runs: Object.fromEntries(runs),
    });
    const failed = sum([...summaries.values()].map((s) => s.failed));
    if (failed > 0) process.exitCode = 1;
  } finally {
    await Promise.all(servers.map(stopBenchServer));
  }
}

await main();
