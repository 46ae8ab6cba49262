/**
 * On-demand scale-out benchmark (not part of the test suite): client-credentials tokens and complete browser
 * logins per second and per server-CPU-second, on SQLite (one process), on Postgres with one process and with
 * two processes on one database, and on Postgres with one process pinned to one core and with two processes
 * pinned one per core, all in one invocation. Server CPU counts the tenant processes and, on Postgres, the
 * PostgreSQL server (postmaster, its backends and helpers, from /proc).
 * Targets: Postgres ÷ SQLite ≥ 0.8 in client-credentials tokens per server-CPU-second; two processes on two
 * cores ≥ 1.5 × one process on one core in tokens per second per core it got (the load generator accounted:
 * see bench/README.md for how, and why this and not the unpinned pair answers the target).
 * Usage: npm run bench:scale   (env: RUNS=3 DURATION_S=8 WARMUP_S=2 CONNECTIONS=50 LOGIN_CONNECTIONS=4
 * PINNED_CPUS=0,1; on a machine with more cores, SERVER_CPUS=0,1 LOADGEN_CPUS=2,3 pin the servers and the load
 * generator apart)
 */
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { loginForCode, startPostgres, type TestPostgres } from '@authmesh/testkit';
import { type LoadResult, startLoad } from '../lib/load.ts';
import { env, fmt, list, median, sum } from '../lib/measure.ts';
import { printTable, startBench, writeResults } from '../lib/report.ts';
import { type BenchServer, startBenchServer, stopBenchServer } from '../lib/servers.ts';
import { type LoginLoadResult, startLoginLoad } from '../login/login-load.ts';
import { AUDIENCE, CLIENT_ID, CLIENT_SECRET, SPA, USER } from '../token-endpoint/fixture.ts';
import { cpuCount, type PostgresProcesses, pin, postgresCpu, threadsNotPinnedTo } from './cpu.ts';
import { PortBlindBrowser } from './port-blind-browser.ts';
import { allOf, measureScaleWindow, type ProcessWindow, type ScaleWindow } from './window.ts';

const RUNS = env('RUNS', 3);
const DURATION_S = env('DURATION_S', 8);
const WARMUP_S = env('WARMUP_S', 2);
const CONNECTIONS = env('CONNECTIONS', 50);
const LOGIN_CONNECTIONS = env('LOGIN_CONNECTIONS', 4);
/** `taskset` CPU lists: the tenant processes and PostgreSQL on SERVER_CPUS, the load generator on LOADGEN_CPUS. */
const SERVER_CPUS = process.env.SERVER_CPUS;
const LOADGEN_CPUS = process.env.LOADGEN_CPUS;
/** The cores the servers are given in the capacity estimate: SERVER_CPUS, or all of this machine's. */
const CORES = SERVER_CPUS ? cpuCount(SERVER_CPUS) : availableParallelism();
/**
 * The two CPUs of the per-core targets: the one-process target runs on the first; the two-process target runs
 * process A on the first and process B on the second. Every thread of each process is pinned (servers/tenant.ts).
 */
const PINNED_CPUS = (process.env.PINNED_CPUS ?? '0,1').split(',');
if (PINNED_CPUS.length !== 2 || PINNED_CPUS.some((cpu) => !/^\d+$/.test(cpu)) || PINNED_CPUS[0] === PINNED_CPUS[1])
  throw new Error('PINNED_CPUS must name two different CPUs, such as 0,1');

/** The fixture's M2M client with its grant (packages/testkit/src/fixture-config.ts). */
const M2M = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, audience: AUDIENCE };

const SQLITE_1 = 'SQLite, 1 process';
const PG_1 = 'Postgres, 1 process';
const PG_2 = 'Postgres, 2 processes';
const PG_1_CORE = 'Postgres, 1 process on 1 core';
const PG_2_CORES = 'Postgres, 2 processes, one per core';

interface Target {
  name: string;
  /** The tenant processes; requests are spread evenly over their URLs. `cpu`: the CPU it is pinned to, if any. */
  servers: (BenchServer & { url: string; browserUrl: string; cpu?: string })[];
  issuer: string;
  postgres?: PostgresProcesses;
}

interface Run {
  tokens: ScaleWindow & { failed: number; checked: number };
  logins: ScaleWindow & { failed: number; checked: number };
  failureSamples: string[];
}

const payload = (jwt: unknown) =>
  JSON.parse(Buffer.from(String(jwt).split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
const header = (jwt: unknown) =>
  JSON.parse(Buffer.from(String(jwt).split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

/** Starts a target of `processes` tenant processes; with `cpus`, process i is pinned to `cpus[i]`. */
async function startTarget(name: string, processes: number, database?: string, cpus?: string[]): Promise<Target> {
  const script = join(import.meta.dirname, 'servers/tenant.ts');
  const servers: Target['servers'] = [];
  let issuer: string | undefined;
  for (let i = 0; i < processes; i++) {
    // Started one after the other: the first migrates and seeds, the next ones issue as the first one does.
    const cpu = cpus?.[i];
    const server = await startBenchServer(`${name} #${i + 1}`, script, {
      BENCH_DATABASE: database ?? '',
      BENCH_ISSUER: issuer ?? '',
      BENCH_CPU: cpu ?? '',
    });
    const [url = '', announced = ''] = server.firstLine.split(' ');
    issuer ??= announced;
    // Browsers reach every process under the issuer's host name: cookies are per host, not per port, so a
    // login that starts on one process may be resumed on the issuer's, as behind a round-robin proxy.
    const browserUrl = new URL(issuer);
    browserUrl.port = new URL(url).port;
    servers.push({ ...server, url, browserUrl: browserUrl.href, ...(cpu ? { cpu } : {}) });
  }
  return {
    name,
    servers,
    issuer: issuer ?? '',
    ...(database ? { postgres: await postgresCpu(database) } : {}),
  };
}

/**
 * Refuses to measure a target unless every process issues a client-credentials token for the same issuer with
 * the same signing key, and completes a login with a code.
 */
async function check(target: Target): Promise<void> {
  const kids = new Set<unknown>();
  for (const server of target.servers) {
    const response = await fetch(new URL('oauth/token', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...M2M }),
    });
    const body = (await response.json()) as Record<string, unknown>;
    if (response.status !== 200)
      throw new Error(`${target.name} ${server.url}: ${response.status} ${JSON.stringify(body)}`);
    const claims = payload(body.access_token);
    if (claims.iss !== target.issuer) throw new Error(`${target.name} ${server.url}: iss ${String(claims.iss)}`);
    kids.add(header(body.access_token).kid);
    const login = await loginForCode({
      issuer: server.browserUrl,
      ...SPA,
      ...USER,
      browser: new PortBlindBrowser(),
    });
    if (!login.code) throw new Error(`${target.name} ${server.url}: login without a code`);
  }
  if (kids.size !== 1) throw new Error(`${target.name}: processes signed with different keys ${[...kids].join(', ')}`);
  checkPinned(target);
  console.log(`${target.name}: checked (${target.servers.length} × token and login, one issuer, one kid)`);
}

/**
 * Refuses a per-core target any of whose threads may run elsewhere than on its process's CPU. Checked before
 * measuring and after every run: threads started lazily (libuv's pool, the hashing workers) must have inherited
 * the mask.
 */
function checkPinned(target: Target): void {
  for (const server of target.servers) {
    if (!server.cpu) continue;
    const stray = threadsNotPinnedTo(server.pid, server.cpu);
    if (stray.length > 0)
      throw new Error(`${target.name} pid ${server.pid}: threads not on CPU ${server.cpu}: ${stray}`);
  }
}

/** Spreads `connections` over the target's processes, as a round-robin proxy would. */
const share = (connections: number, count: number, index: number) =>
  Math.floor(connections / count) + (index < connections % count ? 1 : 0);

async function measureTokens(target: Target): Promise<Run['tokens'] & { samples: string[] }> {
  const loads = target.servers.map((server, i) =>
    startLoad({
      url: server.url,
      path: '/oauth/token',
      body: new URLSearchParams({ grant_type: 'client_credentials', ...M2M }).toString(),
      connections: share(CONNECTIONS, target.servers.length, i),
    }),
  );
  const { result, window } = await measureScaleWindow<{ elapsedS: number; parts: LoadResult[] }>(
    allOf(loads),
    { pids: target.servers.map((s) => s.pid), ...(target.postgres ? { postgresCpuS: target.postgres.cpuS } : {}) },
    { warmupS: WARMUP_S, durationS: DURATION_S, doneByProcess: (r) => r.parts.map((p) => p.ok) },
  );
  return {
    ...window,
    failed: sum(result.parts.flatMap((p) => Object.values(p.failures))),
    checked: sum(result.parts.map((p) => p.checked)),
    samples: result.parts.flatMap((p) => p.failureSamples),
  };
}

async function measureLogins(target: Target): Promise<Run['logins'] & { samples: string[] }> {
  const loads = target.servers.map((server, i) =>
    startLoginLoad({
      issuer: server.browserUrl,
      ...SPA,
      usernames: [USER.username],
      password: USER.password,
      browser: () => new PortBlindBrowser(),
      connections: share(LOGIN_CONNECTIONS, target.servers.length, i),
    }),
  );
  const { result, window } = await measureScaleWindow<{ elapsedS: number; parts: LoginLoadResult[] }>(
    allOf(loads),
    { pids: target.servers.map((s) => s.pid), ...(target.postgres ? { postgresCpuS: target.postgres.cpuS } : {}) },
    { warmupS: WARMUP_S, durationS: DURATION_S, doneByProcess: (r) => r.parts.map((p) => p.logins) },
  );
  return {
    ...window,
    failed: sum(result.parts.map((p) => p.failed)),
    checked: sum(result.parts.map((p) => p.checked)),
    samples: result.parts.flatMap((p) => p.failureSamples),
  };
}

async function measure(target: Target): Promise<Run> {
  const { samples: tokenSamples, ...tokens } = await measureTokens(target);
  const { samples: loginSamples, ...logins } = await measureLogins(target);
  checkPinned(target);
  return { tokens, logins, failureSamples: [...tokenSamples, ...loginSamples] };
}

/**
 * Tokens per second the target would reach on CORES cores of its own, from one window: it grows until either
 * the busiest process's main thread (its event loop, which one Node process cannot take past one core) or the
 * server side (tenant processes + PostgreSQL) reaches its ceiling, at the per-CPU-second cost measured.
 */
const capacity = (w: ScaleWindow) =>
  w.perS * Math.min(1 / w.mainThreadCores, CORES / (w.tenantCores + w.postgresCores));

/**
 * Tokens per second with the load generator's CPU given back to the servers: the measured rate scaled by the
 * cores the servers had (CORES) over those the load generator left them. A measurement, not a model, when the
 * servers were CPU-bound on their cores and nothing else ran (`other` near 0): run it pinned, SERVER_CPUS=0,1
 * LOADGEN_CPUS=1 on a two-core machine (see bench/README.md).
 */
const accounted = (w: ScaleWindow) => (w.perS * CORES) / Math.max(CORES - w.loadGenCores, Number.EPSILON);

/**
 * What a per-core target answers per core it got: each process's rate divided by the share of its one core it
 * was given in the window (its CPU-seconds ÷ wall seconds, at most 1), summed over the processes. The load
 * generator and everything else on the machine take CPU from the pinned cores; a process that got 0.7 of its
 * core and answered 700 tokens/s would answer 1,000 on a core of its own, as long as it is CPU-bound (it is at
 * CONNECTIONS in flight) and its cost per token does not change. Two processes ÷ one is then the issue's
 * "two processes on two cores ÷ one process" with the load generator accounted for.
 */
const perCoreCapacity = (w: ScaleWindow) =>
  sum(w.processes.map((p) => p.perS / Math.min(1, Math.max(p.cores, Number.EPSILON))));

type Kind = 'tokens' | 'logins';
const FIELDS = [
  'perS',
  'perCpuS',
  'perTenantCpuS',
  'tenantCores',
  'postgresCores',
  'mainThreadCores',
  'loadGenCores',
  'otherCores',
] as const;

function summary(runs: Run[], kind: Kind) {
  const windows = runs.map((r) => r[kind]);
  return {
    ...Object.fromEntries(FIELDS.map((f) => [f, median(windows.map((w) => w[f]))])),
    capacity: median(windows.map(capacity)),
    perCoreCapacity: median(windows.map(perCoreCapacity)),
    failed: sum(windows.map((w) => w.failed)),
    checked: sum(windows.map((w) => w.checked)),
  } as Record<(typeof FIELDS)[number] | 'capacity' | 'perCoreCapacity' | 'failed' | 'checked', number>;
}

/** Each process's medians over the runs (process i of every run together). */
function processMedians(runs: Run[], kind: Kind): ProcessWindow[] {
  const count = runs[0]?.[kind].processes.length ?? 0;
  return Array.from({ length: count }, (_, i) => {
    const windows = runs.map((r) => r[kind].processes[i] ?? { perS: Number.NaN, cores: Number.NaN });
    return { perS: median(windows.map((w) => w.perS)), cores: median(windows.map((w) => w.cores)) };
  });
}

/** The ratio of medians and the per-run ratios (back-to-back measurements) of `pick` between two targets. */
function ratio(runs: Map<string, Run[]>, over: string, under: string, pick: (r: Run) => number) {
  const a = runs.get(over) ?? [];
  const b = runs.get(under) ?? [];
  return {
    median: median(a.map(pick)) / median(b.map(pick)),
    perRun: a.map((r, i) => pick(r) / (b[i] ? pick(b[i]) : Number.NaN)),
  };
}

async function main(): Promise<void> {
  const start = await startBench('scale');
  console.log(
    `${RUNS} runs × 5 targets × (client credentials at ${CONNECTIONS} in flight, then logins at ${LOGIN_CONNECTIONS} ` +
      `in flight), each ${WARMUP_S} s warm-up + ${DURATION_S} s; requests spread evenly over a target's processes\n`,
  );
  let postgres: TestPostgres | undefined;
  const targets: Target[] = [];
  try {
    postgres = await startPostgres();
    targets.push(await startTarget(SQLITE_1, 1));
    targets.push(await startTarget(PG_1, 1, await postgres.createDatabase()));
    targets.push(await startTarget(PG_2, 2, await postgres.createDatabase()));
    targets.push(await startTarget(PG_1_CORE, 1, await postgres.createDatabase(), PINNED_CPUS.slice(0, 1)));
    targets.push(await startTarget(PG_2_CORES, 2, await postgres.createDatabase(), PINNED_CPUS));
    for (const target of targets) await check(target);
    if (SERVER_CPUS) {
      // The per-core targets' processes keep their own CPU; PostgreSQL (one cluster for all) goes on SERVER_CPUS.
      const servers = targets.flatMap((t) => [
        ...t.servers.filter((s) => !s.cpu).map((s) => s.pid),
        ...(t.postgres?.pids() ?? []),
      ]);
      pin([...new Set(servers)], SERVER_CPUS);
    }
    if (LOADGEN_CPUS) pin([process.pid], LOADGEN_CPUS);

    const runs = new Map<string, Run[]>(targets.map((t) => [t.name, []]));
    for (let round = 1; round <= RUNS; round++) {
      // Alternate the order so that slow drift of the host speed does not favour one target.
      for (const target of round % 2 ? targets : [...targets].reverse()) {
        const run = await measure(target);
        runs.get(target.name)?.push(run);
        console.log(
          `run ${round}/${RUNS} ${target.name}: ${fmt(run.tokens.perS)} tokens/s, ${fmt(run.tokens.perCpuS)} per server-CPU-s; ` +
            `${fmt(run.logins.perS, 1)} logins/s, ${fmt(run.logins.perCpuS, 1)} per server-CPU-s; ` +
            `loadgen ${fmt(run.tokens.loadGenCores, 2)}, other ${fmt(run.tokens.otherCores, 2)} cores` +
            `${run.tokens.failed + run.logins.failed ? `, ${run.tokens.failed + run.logins.failed} FAILED` : ''}`,
        );
      }
    }
    const loadavgEnd = loadavg();

    const medians = Object.fromEntries(
      targets.map((t) => [
        t.name,
        { tokens: summary(runs.get(t.name) ?? [], 'tokens'), logins: summary(runs.get(t.name) ?? [], 'logins') },
      ]),
    );
    for (const kind of ['tokens', 'logins'] as const) {
      console.log(`\n${kind === 'tokens' ? 'client credentials' : 'complete logins'}: median of ${RUNS} runs\n`);
      const unit = kind === 'tokens' ? 'tokens' : 'logins';
      printTable([
        [
          'target',
          `${unit}/s`,
          `${unit}/CPU-s`,
          'tenant-only/CPU-s',
          'tenant cores',
          'pg cores',
          'main thread',
          'loadgen',
          'other',
          'capacity/s',
          'failed',
        ],
        ...targets.map((t) => {
          const s = medians[t.name]![kind];
          const digits = kind === 'tokens' ? 0 : 1;
          return [
            t.name,
            fmt(s.perS, digits),
            fmt(s.perCpuS, digits),
            fmt(s.perTenantCpuS, digits),
            fmt(s.tenantCores, 2),
            fmt(s.postgresCores, 2),
            fmt(s.mainThreadCores, 2),
            fmt(s.loadGenCores, 2),
            fmt(s.otherCores, 2),
            // The model counts CORES cores for the target; a per-core target has one core per process.
            t.servers.some((server) => server.cpu) ? '' : fmt(s.capacity, digits),
            `${s.failed}/${s.checked}`,
          ];
        }),
      ]);
      const pinned = targets.filter((t) => t.servers.some((server) => server.cpu));
      console.log(
        `\n${kind === 'tokens' ? 'client credentials' : 'complete logins'}, per core: each process pinned to its ` +
          `own core; 'core share' = the CPU-s it got ÷ wall s; per-core capacity = Σ ${unit}/s ÷ core share\n`,
      );
      printTable([
        [
          'target',
          `${unit}/s`,
          'per process',
          'CPUs',
          'core share',
          'pg cores',
          'loadgen',
          'other',
          'per-core capacity/s',
        ],
        ...pinned.map((t) => {
          const s = medians[t.name]![kind];
          const digits = kind === 'tokens' ? 0 : 1;
          const processes = processMedians(runs.get(t.name) ?? [], kind);
          return [
            t.name,
            fmt(s.perS, digits),
            processes.map((p) => fmt(p.perS, digits)).join(' + '),
            t.servers.map((server) => server.cpu ?? '').join(' '),
            processes.map((p) => fmt(p.cores, 2)).join(' '),
            fmt(s.postgresCores, 2),
            fmt(s.loadGenCores, 2),
            fmt(s.otherCores, 2),
            fmt(s.perCoreCapacity, digits),
          ];
        }),
      ]);
    }

    const ratios = {
      postgresVsSqliteTokensPerCpuS: ratio(runs, PG_1, SQLITE_1, (r) => r.tokens.perCpuS),
      postgresVsSqliteLoginsPerCpuS: ratio(runs, PG_1, SQLITE_1, (r) => r.logins.perCpuS),
      twoVsOneTokensPerS: ratio(runs, PG_2, PG_1, (r) => r.tokens.perS),
      twoVsOneTokensPerCpuS: ratio(runs, PG_2, PG_1, (r) => r.tokens.perCpuS),
      twoVsOneTokensCapacity: ratio(runs, PG_2, PG_1, (r) => capacity(r.tokens)),
      twoVsOneTokensAccounted: ratio(runs, PG_2, PG_1, (r) => accounted(r.tokens)),
      twoVsOneLoginsPerS: ratio(runs, PG_2, PG_1, (r) => r.logins.perS),
      twoVsOneLoginsCapacity: ratio(runs, PG_2, PG_1, (r) => capacity(r.logins)),
      perCoreTwoVsOneTokensCapacity: ratio(runs, PG_2_CORES, PG_1_CORE, (r) => perCoreCapacity(r.tokens)),
      perCoreTwoVsOneTokensPerS: ratio(runs, PG_2_CORES, PG_1_CORE, (r) => r.tokens.perS),
      perCoreTwoVsOneTokensPerCpuS: ratio(runs, PG_2_CORES, PG_1_CORE, (r) => r.tokens.perCpuS),
      perCoreTwoVsOneLoginsCapacity: ratio(runs, PG_2_CORES, PG_1_CORE, (r) => perCoreCapacity(r.logins)),
    };
    const mark = (ok: boolean) => (ok ? '✓' : '✗');
    const line = (label: string, r: { median: number; perRun: number[] }, target?: number) =>
      console.log(
        `${target === undefined ? ' ' : mark(r.median >= target)} ${label}: ${r.median.toFixed(2)}` +
          `${target === undefined ? '' : ` (target ≥ ${target.toFixed(2)})`}; per run ${list(r.perRun)}`,
      );
    console.log('');
    line('client credentials, Postgres ÷ SQLite per server-CPU-second', ratios.postgresVsSqliteTokensPerCpuS, 0.8);
    line('logins, Postgres ÷ SQLite per server-CPU-second', ratios.postgresVsSqliteLoginsPerCpuS);
    console.log(
      `\nN processes on N cores, the issue's target: '${PG_2_CORES}' (CPUs ${PINNED_CPUS.join(' and ')}) ÷ ` +
        `'${PG_1_CORE}' (CPU ${PINNED_CPUS[0]}); per-core capacity gives each process the CPU the load generator ` +
        'and the rest of the machine took from its core',
    );
    line(
      'client credentials, 2 ÷ 1, per-core capacity (load generator accounted)',
      ratios.perCoreTwoVsOneTokensCapacity,
      1.5,
    );
    line('client credentials, 2 ÷ 1, tokens/s as measured', ratios.perCoreTwoVsOneTokensPerS);
    line('client credentials, 2 ÷ 1, per server-CPU-second', ratios.perCoreTwoVsOneTokensPerCpuS);
    line('logins, 2 ÷ 1, per-core capacity (load generator accounted)', ratios.perCoreTwoVsOneLoginsCapacity);
    console.log(
      `\n'${PG_2}' ÷ '${PG_1}', unpinned on the same ${CORES} cores: not the target's question, since one ` +
        "process already spreads over the cores (its event loop plus libuv's pool signing in parallel), so a " +
        'second one cannot add a core there; whether a second process costs more per token',
    );
    line(
      `client credentials, 2 ÷ 1 processes, capacity on ${CORES} cores (load generator accounted)`,
      ratios.twoVsOneTokensCapacity,
    );
    line(
      `client credentials, 2 ÷ 1 processes, tokens/s with the load generator's CPU accounted (on ${CORES} cores)`,
      ratios.twoVsOneTokensAccounted,
    );
    line(
      'client credentials, 2 ÷ 1 processes, tokens/s as measured (load generator on the same cores)',
      ratios.twoVsOneTokensPerS,
    );
    line('client credentials, 2 ÷ 1 processes, per server-CPU-second', ratios.twoVsOneTokensPerCpuS);
    line(`logins, 2 ÷ 1 processes, capacity on ${CORES} cores`, ratios.twoVsOneLoginsCapacity);
    line('logins, 2 ÷ 1 processes, logins/s as measured', ratios.twoVsOneLoginsPerS);
    console.log(`load average at end: ${list(loadavgEnd)}`);
    for (const [name, r] of runs) {
      for (const sample of new Set(r.flatMap((run) => run.failureSamples))) console.log(`${name} FAILED: ${sample}`);
    }
    writeResults(start, loadavgEnd, {
      config: {
        RUNS,
        DURATION_S,
        WARMUP_S,
        CONNECTIONS,
        LOGIN_CONNECTIONS,
        CORES,
        SERVER_CPUS,
        LOADGEN_CPUS,
        PINNED_CPUS: PINNED_CPUS.join(','),
      },
      median: medians,
      ratios,
      runs: Object.fromEntries(runs),
    });
    if (Object.values(medians).some((m) => m.tokens.failed + m.logins.failed > 0)) process.exitCode = 1;
  } finally {
    await Promise.all(targets.flatMap((t) => t.servers.map(stopBenchServer)));
    await postgres?.stop();
  }
}

await main();
