/**
 * On-demand Auth0 Actions benchmark (not part of the test suite): the cost of one trivial post-login action and
 * one trivial credentials-exchange action, against the same tenant without actions, measured in the same run.
 * - login round trip (/authorize → login page → POST /u/login → callback with a code, one login at a time):
 *   median latency with actions − without; the target is < 5 ms;
 * - client credentials (`POST /oauth/token`, closed loop): tokens per server-CPU-second with actions ÷ without;
 *   the target is ≥ 0.8.
 * Usage: npm run bench:actions   (env: RUNS=3 DURATION_S=10 WARMUP_S=2 CONNECTIONS=50)
 * See bench/README.md for how to read the numbers.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { loginForCode } from '@authmesh/testkit';
import { type LoadResult, startLoad } from '../lib/load.ts';
import { env, fmt, list, measureWindow, median, sum } from '../lib/measure.ts';
import { printTable, startBench, writeResults } from '../lib/report.ts';
import { type BenchServer, startBenchServer, stopBenchServer } from '../lib/servers.ts';
import { type LoginLoadResult, startLoginLoad } from '../login/login-load.ts';
import { AUDIENCE, CLIENT_ID, CLIENT_SECRET, SPA, USER } from '../token-endpoint/fixture.ts';

const RUNS = env('RUNS', 3);
const DURATION_S = env('DURATION_S', 10);
const WARMUP_S = env('WARMUP_S', 2);
const CONNECTIONS = env('CONNECTIONS', 50);
/** The fixture's M2M client with its grant (packages/testkit/src/fixture-config.ts). */
const M2M = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, audience: AUDIENCE };
/** The claims the actions set (servers/tenant.ts). */
const LOGIN_CLAIM = 'https://bench.test/login';
const M2M_CLAIM = 'https://bench.test/client';

const WITHOUT = 'without actions';
const WITH = 'with 1 post-login + 1 credentials-exchange action';

interface Server extends BenchServer {
  name: string;
  issuer: string;
  withActions: boolean;
}

interface Run {
  loginP50Ms: number;
  loginP99Ms: number;
  logins: number;
  loginFailed: number;
  tokensPerS: number;
  tokensPerCpuS: number;
  serverCores: number;
  otherCores: number;
  tokenFailed: number;
  tokenChecked: number;
  failureSamples: string[];
}

const payload = (jwt: unknown) =>
  JSON.parse(Buffer.from(String(jwt).split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

async function tokenRequest(issuer: string, form: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(new URL('oauth/token', issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

/** Refuses to measure unless the actions run on one target and not on the other. */
async function check(server: Server): Promise<void> {
  const m2m = payload((await tokenRequest(server.issuer, { grant_type: 'client_credentials', ...M2M })).access_token);
  const login = await loginForCode({ issuer: server.issuer, ...SPA, ...USER });
  const tokens = await tokenRequest(server.issuer, {
    grant_type: 'authorization_code',
    client_id: SPA.clientId,
    code: login.code,
    code_verifier: login.verifier,
    redirect_uri: SPA.redirectUri,
  });
  const id = payload(tokens.id_token);
  const ran = { m2m: m2m[M2M_CLAIM] === 'Orders Service', login: id[LOGIN_CLAIM] === USER.username };
  if (ran.m2m !== server.withActions || ran.login !== server.withActions) {
    throw new Error(`${server.name}: actions ran ${JSON.stringify(ran)}, expected ${server.withActions}`);
  }
  console.log(
    `${server.name}: checked (M2M claim ${ran.m2m ? 'present' : 'absent'}, ID-token claim ${ran.login ? 'present' : 'absent'})`,
  );
}

async function measureLogins(server: Server): Promise<LoginLoadResult> {
  const load = startLoginLoad({
    issuer: server.issuer,
    ...SPA,
    usernames: [USER.username],
    password: USER.password,
    connections: 1,
  });
  const measured = await measureWindow(load, {
    pid: server.pid,
    warmupS: WARMUP_S,
    durationS: DURATION_S,
    done: (result) => result.logins,
  });
  return measured.result;
}

async function measureTokens(server: Server) {
  const load = startLoad({
    url: server.issuer,
    path: '/oauth/token',
    body: new URLSearchParams({ grant_type: 'client_credentials', ...M2M }).toString(),
    connections: CONNECTIONS,
  });
  return measureWindow<LoadResult>(load, {
    pid: server.pid,
    warmupS: WARMUP_S,
    durationS: DURATION_S,
    done: (result) => result.ok,
  });
}

async function measure(server: Server): Promise<Run> {
  const logins = await measureLogins(server);
  const tokens = await measureTokens(server);
  return {
    loginP50Ms: logins.latencyMs.p50,
    loginP99Ms: logins.latencyMs.p99,
    logins: logins.logins,
    loginFailed: logins.failed,
    tokensPerS: tokens.perS,
    tokensPerCpuS: tokens.perCpuS,
    serverCores: tokens.serverCores,
    otherCores: tokens.otherCores,
    tokenFailed: sum(Object.values(tokens.result.failures)),
    tokenChecked: tokens.result.checked,
    failureSamples: [...logins.failureSamples, ...tokens.result.failureSamples],
  };
}

async function main(): Promise<void> {
  const start = await startBench('actions');
  console.log(
    `${RUNS} runs × (login round trips one at a time, then client credentials at ${CONNECTIONS} in flight), ` +
      `each ${WARMUP_S} s warm-up + ${DURATION_S} s\n`,
  );
  const servers: Server[] = [];
  try {
    for (const [name, withActions] of [
      [WITHOUT, false],
      [WITH, true],
    ] as const) {
      const server = await startBenchServer(name, join(import.meta.dirname, 'servers/tenant.ts'), {
        BENCH_ACTIONS: withActions ? '1' : '0',
      });
      servers.push({ ...server, name, issuer: server.firstLine, withActions });
    }
    for (const server of servers) await check(server);

    const runs = new Map<string, Run[]>(servers.map((s) => [s.name, []]));
    for (let round = 1; round <= RUNS; round++) {
      // Alternate the order so that slow drift of the host speed does not favour one target.
      for (const server of round % 2 ? servers : [...servers].reverse()) {
        const run = await measure(server);
        runs.get(server.name)?.push(run);
        console.log(
          `run ${round}/${RUNS} ${server.name}: login p50 ${fmt(run.loginP50Ms, 1)} ms, ` +
            `${fmt(run.tokensPerS)} tokens/s, ${fmt(run.tokensPerCpuS)} per server-CPU-s, other ${fmt(run.otherCores, 2)} cores` +
            `${run.loginFailed + run.tokenFailed ? `, ${run.loginFailed + run.tokenFailed} FAILED` : ''}`,
        );
      }
    }
    const loadavgEnd = loadavg();

    const without = runs.get(WITHOUT) ?? [];
    const withActions = runs.get(WITH) ?? [];
    const summary = (r: Run[]) => ({
      loginP50Ms: median(r.map((x) => x.loginP50Ms)),
      loginP99Ms: median(r.map((x) => x.loginP99Ms)),
      tokensPerS: median(r.map((x) => x.tokensPerS)),
      tokensPerCpuS: median(r.map((x) => x.tokensPerCpuS)),
      serverCores: median(r.map((x) => x.serverCores)),
      otherCores: median(r.map((x) => x.otherCores)),
      failed: sum(r.map((x) => x.loginFailed + x.tokenFailed)),
    });
    const a = summary(without);
    const b = summary(withActions);
    const ratios = {
      loginP50GrowthMs: b.loginP50Ms - a.loginP50Ms,
      loginP50GrowthMsPerRun: withActions.map((r, i) => r.loginP50Ms - (without[i]?.loginP50Ms ?? Number.NaN)),
      tokensPerCpuSRatio: b.tokensPerCpuS / a.tokensPerCpuS,
      tokensPerCpuSRatioPerRun: withActions.map((r, i) => r.tokensPerCpuS / (without[i]?.tokensPerCpuS ?? Number.NaN)),
    };

    console.log(`\nmedian of ${RUNS} runs\n`);
    printTable([
      ['target', 'login p50 ms', 'login p99 ms', 'tokens/s', 'tokens/CPU-s', 'server cores', 'other', 'failed'],
      ...(
        [
          [WITHOUT, a],
          [WITH, b],
        ] as const
      ).map(([name, s]) => [
        name,
        fmt(s.loginP50Ms, 1),
        fmt(s.loginP99Ms, 1),
        fmt(s.tokensPerS),
        fmt(s.tokensPerCpuS),
        fmt(s.serverCores, 2),
        fmt(s.otherCores, 2),
        String(s.failed),
      ]),
    ]);
    const mark = (ok: boolean) => (ok ? '✓' : '✗');
    console.log(
      `\n${mark(ratios.loginP50GrowthMs < 5)} login round trip p50 growth: ${fmt(ratios.loginP50GrowthMs, 2)} ms ` +
        `(target < 5; per run ${list(ratios.loginP50GrowthMsPerRun)})`,
    );
    console.log(
      `${mark(ratios.tokensPerCpuSRatio >= 0.8)} client credentials, tokens per server-CPU-second with ÷ without: ` +
        `${ratios.tokensPerCpuSRatio.toFixed(2)} (target ≥ 0.80; per run ${list(ratios.tokensPerCpuSRatioPerRun)})`,
    );
    console.log(`load average at end: ${list(loadavgEnd)}`);
    for (const [name, r] of runs) {
      for (const sample of new Set(r.flatMap((run) => run.failureSamples))) console.log(`${name} FAILED: ${sample}`);
    }
    writeResults(start, loadavgEnd, {
      config: { RUNS, DURATION_S, WARMUP_S, CONNECTIONS },
      median: { [WITHOUT]: a, [WITH]: b },
      ratios,
      runs: Object.fromEntries(runs),
    });
    if (a.failed + b.failed > 0) process.exitCode = 1;
  } finally {
    await Promise.all(servers.map(stopBenchServer));
  }
}

await main();
