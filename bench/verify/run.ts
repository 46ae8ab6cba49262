/**
 * On-demand verification bench (not part of the test suite): RS256 access-token verifications per second in the
 * SDK core and through an Express route, each beside baselines measured in the same run.
 * Usage: npm run bench:verify   (env: RUNS=3 DURATION_S=10 WARMUP_S=2 CONNECTIONS=50 CORE_S=2 CORE_WARMUP_MS=500)
 * See bench/README.md for how to read the numbers.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { type LoadResult, startLoad } from '../lib/load.ts';
import { env, fmt, list, measureWindow, median, sum } from '../lib/measure.ts';
import { printTable, startBench, writeResults } from '../lib/report.ts';
import { type BenchServer, startBenchServer, stopBenchServer } from '../lib/servers.ts';
import { BATCH, type CoreRun, coreCases, measureCore } from './core.ts';
import { AUDIENCE, type Fixture, keyFetches, REQUIRED_SCOPE, startFixture } from './fixture.ts';

const RUNS = env('RUNS', 3);
const DURATION_S = env('DURATION_S', 10);
const WARMUP_S = env('WARMUP_S', 2);
const CONNECTIONS = env('CONNECTIONS', 50);
const CORE_S = env('CORE_S', 2);
const CORE_WARMUP_MS = env('CORE_WARMUP_MS', 500);
/** `other` cores above which an HTTP run counts as disturbed by something else on the machine. */
const DISTURBED = 0.15;
const version = (pkg: string) =>
  String(
    JSON.parse(readFileSync(join(import.meta.dirname, '../../node_modules', pkg, 'package.json'), 'utf8')).version,
  );
const VERSIONS = {
  express: version('express'),
  'express-oauth2-jwt-bearer': version('express-oauth2-jwt-bearer'),
  // express-oauth2-jwt-bearer brings its own jose (4.x, node:crypto); the core baseline uses the workspace jose.
  'jose (core baseline)': version('jose'),
  'jose (in express-oauth2-jwt-bearer)': version('express-oauth2-jwt-bearer/node_modules/jose'),
};

interface Route {
  key: string;
  name: string;
  script: string;
  protected: boolean;
}

const ROUTES: Route[] = [
  { key: 'sdk', name: 'Express + SDK', script: 'servers/sdk.ts', protected: true },
  {
    key: 'oauth2JwtBearer',
    name: `Express + express-oauth2-jwt-bearer ${VERSIONS['express-oauth2-jwt-bearer']}`,
    script: 'servers/oauth2-jwt-bearer.ts',
    protected: true,
  },
  { key: 'bare', name: 'Express, no auth (ceiling)', script: 'servers/bare.ts', protected: false },
];

interface Server extends BenchServer {
  route: Route;
  url: string;
  note: string;
}

interface HttpRun extends LoadResult {
  reqPerS: number;
  serverCores: number;
  reqPerCpuS: number;
  loadGenCores: number;
  otherCores: number;
  /** Discovery/JWKS requests the fixture served during the measured window (must be 0). */
  keyFetches: number;
}

async function startServer(route: Route, fixture: Fixture): Promise<Server> {
  const server = await startBenchServer(route.name, join(import.meta.dirname, route.script), {
    BENCH_ISSUER_BASE_URL: fixture.issuer,
    BENCH_AUDIENCE: AUDIENCE,
    BENCH_REQUIRED_SCOPE: REQUIRED_SCOPE,
  });
  // These servers print their URL and which middleware they run as one JSON line (servers/common.ts).
  const { url, note } = JSON.parse(server.firstLine) as { url: string; note: string };
  return { ...server, route, url, note };
}

/** Outside the measurement: the token gets a 200, and a protected route refuses no token and a missing scope. */
async function checkServer(server: Server, fixture: Fixture): Promise<Record<string, number>> {
  const get = async (token?: string) => {
    const res = await fetch(`${server.url}/products`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    await res.text();
    return res.status;
  };
  const statuses = {
    token: await get(fixture.token),
    noToken: await get(),
    tokenWithoutScope: await get(fixture.tokenWithoutScope),
  };
  const expected = server.route.protected
    ? { token: 200, noToken: 401, tokenWithoutScope: 403 }
    : { token: 200, noToken: 200, tokenWithoutScope: 200 };
  if (JSON.stringify(statuses) !== JSON.stringify(expected)) {
    throw new Error(`${server.route.name}: statuses ${JSON.stringify(statuses)}, expected ${JSON.stringify(expected)}`);
  }
  return statuses;
}

async function measureHttp(server: Server, fixture: Fixture): Promise<HttpRun> {
  const load = startLoad({
    url: server.url,
    path: '/products',
    headers: { authorization: `Bearer ${fixture.token}` },
    connections: CONNECTIONS,
  });
  const measured = await measureWindow(load, {
    pid: server.pid,
    warmupS: WARMUP_S,
    durationS: DURATION_S,
    done: (result) => result.ok,
    counter: () => keyFetches(fixture),
  });
  return {
    ...measured.result,
    reqPerS: measured.perS,
    serverCores: measured.serverCores,
    reqPerCpuS: measured.perCpuS,
    loadGenCores: measured.loadGenCores,
    otherCores: measured.otherCores,
    keyFetches: measured.counted,
  };
}

interface CoreSummary {
  opsPerS: number;
  bestOpsPerS: number;
  cores: number;
  opsPerCpuS: number;
}

const summariseCore = (runs: CoreRun[]): CoreSummary => ({
  opsPerS: median(runs.map((r) => r.opsPerS)),
  bestOpsPerS: Math.max(...runs.map((r) => r.opsPerS)),
  cores: median(runs.map((r) => r.cores)),
  opsPerCpuS: median(runs.map((r) => r.opsPerCpuS)),
});

interface HttpSummary {
  reqPerS: number;
  bestReqPerS: number;
  p50Ms: number;
  p99Ms: number;
  serverCores: number;
  reqPerCpuS: number;
  loadGenCores: number;
  otherCores: number;
  non200: number;
  checked: number;
  keyFetches: number;
}

const summariseHttp = (runs: HttpRun[]): HttpSummary => ({
  reqPerS: median(runs.map((r) => r.reqPerS)),
  bestReqPerS: Math.max(...runs.map((r) => r.reqPerS)),
  p50Ms: median(runs.map((r) => r.latencyMs.p50)),
  p99Ms: median(runs.map((r) => r.latencyMs.p99)),
  serverCores: median(runs.map((r) => r.serverCores)),
  reqPerCpuS: median(runs.map((r) => r.reqPerCpuS)),
  loadGenCores: median(runs.map((r) => r.loadGenCores)),
  otherCores: median(runs.map((r) => r.otherCores)),
  non200: sum(runs.map((r) => sum(Object.values(r.failures)))),
  checked: sum(runs.map((r) => r.checked)),
  keyFetches: sum(runs.map((r) => r.keyFetches)),
});

interface Ratio {
  label: string;
  value: number;
  perRun: number[];
  /** HTTP only: runs in which either side saw more than DISTURBED cores of other load on the machine. */
  disturbed?: boolean[];
  /** Minimum to meet; undefined for information only. */
  target?: number;
  met?: boolean;
}

async function main(): Promise<void> {
  const start = await startBench('verify');
  console.log(
    `${RUNS} runs × (core: ${CORE_WARMUP_MS} ms warm-up + ${CORE_S} s per case; ` +
      `HTTP: ${WARMUP_S} s warm-up + ${DURATION_S} s per route at ${CONNECTIONS} connections)`,
  );

  const fixture = await startFixture();
  const servers: Server[] = [];
  try {
    const [, payload] = fixture.token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    console.log(`token: ${fixture.token.length} chars, RS256 (RSA-2048), claims ${JSON.stringify(claims)}`);

    const cases = await coreCases(fixture);
    const checks: Record<string, Record<string, number>> = {};
    for (const route of ROUTES) {
      const server = await startServer(route, fixture);
      servers.push(server);
      checks[route.key] = await checkServer(server, fixture);
      console.log(`${route.name} (pid ${server.pid}, ${server.note}): ${JSON.stringify(checks[route.key])}`);
    }
    console.log('');

    const core = new Map<string, CoreRun[]>(cases.map((c) => [c.key, []]));
    const http = new Map<string, HttpRun[]>(ROUTES.map((r) => [r.key, []]));
    for (let round = 1; round <= RUNS; round++) {
      // Alternate the order so that slow drift of the host speed does not favour one contender.
      for (const c of round % 2 ? cases : [...cases].reverse()) {
        const run = await measureCore(fixture, c, CORE_S * 1000, CORE_WARMUP_MS);
        core.get(c.key)!.push(run);
        console.log(
          `run ${round}/${RUNS} ${c.name}: ${fmt(run.opsPerS)}/s, ${fmt(run.cores, 2)} cores, ${fmt(run.opsPerCpuS)}/CPU-s`,
        );
      }
      for (const server of round % 2 ? servers : [...servers].reverse()) {
        const run = await measureHttp(server, fixture);
        http.get(server.route.key)!.push(run);
        const failed = sum(Object.values(run.failures));
        console.log(
          `run ${round}/${RUNS} ${server.route.name}: ${fmt(run.reqPerS)} req/s, ` +
            `p50 ${fmt(run.latencyMs.p50, 2)} ms, p99 ${fmt(run.latencyMs.p99, 2)} ms, ` +
            `server ${fmt(run.serverCores, 2)} cores, other ${fmt(run.otherCores, 2)} cores` +
            (failed ? `, ${failed} NOT 200: ${JSON.stringify(run.failures)}` : '') +
            (run.keyFetches ? `, ${run.keyFetches} KEY FETCHES in the window` : ''),
        );
      }
    }

    const coreMedian = Object.fromEntries([...core].map(([key, runs]) => [key, summariseCore(runs)]));
    const httpMedian = Object.fromEntries([...http].map(([key, runs]) => [key, summariseHttp(runs)]));
    const coreRatio = (label: string, a: string, b: string, target?: number): Ratio => {
      const value = coreMedian[a]!.opsPerS / coreMedian[b]!.opsPerS;
      const perRun = core.get(a)!.map((r, i) => r.opsPerS / core.get(b)![i]!.opsPerS);
      return { label, value, perRun, target, met: target === undefined ? undefined : value >= target };
    };
    const httpRatio = (label: string, a: string, b: string, target?: number): Ratio => {
      const value = httpMedian[a]!.reqPerS / httpMedian[b]!.reqPerS;
      const perRun = http.get(a)!.map((r, i) => r.reqPerS / http.get(b)![i]!.reqPerS);
      const disturbed = http.get(a)!.map((r, i) => Math.max(r.otherCores, http.get(b)![i]!.otherCores) > DISTURBED);
      return { label, value, perRun, disturbed, target, met: target === undefined ? undefined : value >= target };
    };
    const ratios: Ratio[] = [
      coreRatio('core: SDK sequential ÷ node:crypto', 'sdk', 'nodeCrypto', 0.7),
      coreRatio(`core: SDK ${BATCH} concurrent ÷ node:crypto`, 'sdkBatch', 'nodeCrypto', 0.7),
      coreRatio('core: SDK sequential ÷ jose sequential', 'sdk', 'jose', 1.5),
      coreRatio(`core: SDK ${BATCH} concurrent ÷ jose ${BATCH} concurrent`, 'sdkBatch', 'joseBatch'),
      coreRatio('cache: SDK + cache ÷ SDK, sequential', 'sdkCached', 'sdk', 5),
      coreRatio(`cache: SDK + cache ÷ SDK, ${BATCH} concurrent`, 'sdkCachedBatch', 'sdkBatch', 5),
      httpRatio('Express: SDK ÷ express-oauth2-jwt-bearer', 'sdk', 'oauth2JwtBearer', 1.3),
      httpRatio('Express: SDK ÷ no auth (ceiling)', 'sdk', 'bare'),
      httpRatio('Express: express-oauth2-jwt-bearer ÷ no auth', 'oauth2JwtBearer', 'bare'),
    ];
    const perCpuS = {
      coreSdkOverNodeCrypto: coreMedian.sdk!.opsPerCpuS / coreMedian.nodeCrypto!.opsPerCpuS,
      coreSdkOverJose: coreMedian.sdk!.opsPerCpuS / coreMedian.jose!.opsPerCpuS,
      coreSdkOverJoseBatch: coreMedian.sdkBatch!.opsPerCpuS / coreMedian.joseBatch!.opsPerCpuS,
      expressSdkOverOauth2JwtBearer: httpMedian.sdk!.reqPerCpuS / httpMedian.oauth2JwtBearer!.reqPerCpuS,
    };
    const loadavgEnd = loadavg();

    const crypto = coreMedian.nodeCrypto!.opsPerS;
    console.log(`\ncore, in-process, median of ${RUNS} runs (token ${fixture.token.length} chars)\n`);
    printTable([
      ['case', 'verifications/s', 'best', 'µs each', 'cores', 'per CPU-s', '÷ node:crypto'],
      ...cases.map((c) => {
        const s = coreMedian[c.key]!;
        return [
          c.name,
          fmt(s.opsPerS),
          fmt(s.bestOpsPerS),
          fmt(1e6 / s.opsPerS, 1),
          fmt(s.cores, 2),
          fmt(s.opsPerCpuS),
          fmt(s.opsPerS / crypto, 2),
        ];
      }),
    ]);
    console.log(`\nExpress 5 GET /products, ${CONNECTIONS} connections, median of ${RUNS} runs\n`);
    printTable([
      [
        'route',
        'req/s',
        'best',
        'p50 ms',
        'p99 ms',
        'server cores',
        'req/CPU-s',
        'loadgen',
        'other',
        'non-200',
        'key fetches',
      ],
      ...servers.map((server) => {
        const s = httpMedian[server.route.key]!;
        return [
          server.route.name,
          fmt(s.reqPerS),
          fmt(s.bestReqPerS),
          fmt(s.p50Ms, 2),
          fmt(s.p99Ms, 2),
          fmt(s.serverCores, 2),
          fmt(s.reqPerCpuS),
          fmt(s.loadGenCores, 2),
          fmt(s.otherCores, 2),
          `${s.non200}/${s.checked}`,
          String(s.keyFetches),
        ];
      }),
    ]);
    console.log(`(Express + SDK: ${servers[0]!.note})\n`);
    const width = Math.max(...ratios.map((r) => r.label.length));
    for (const r of ratios) {
      const verdict = r.target === undefined ? '   (info)' : `${r.met ? '✓' : '✗'} target ≥ ${r.target.toFixed(2)}`;
      const perRun = r.perRun.map((v, i) => `${v.toFixed(2)}${r.disturbed?.[i] ? '*' : ''}`).join(' ');
      console.log(`${r.label.padEnd(width)}  ${r.value.toFixed(2).padStart(6)}  ${verdict}  per run ${perRun}`);
    }
    if (ratios.some((r) => r.disturbed?.includes(true))) {
      console.log(`* = disturbed run: more than ${DISTURBED} cores of other load during one of the two windows`);
    }
    console.log(
      `per CPU-second: SDK ÷ node:crypto ${perCpuS.coreSdkOverNodeCrypto.toFixed(2)}, ` +
        `SDK ÷ jose ${perCpuS.coreSdkOverJose.toFixed(2)} (${BATCH} concurrent ${perCpuS.coreSdkOverJoseBatch.toFixed(2)}), ` +
        `Express SDK ÷ express-oauth2-jwt-bearer ${perCpuS.expressSdkOverOauth2JwtBearer.toFixed(2)}`,
    );
    console.log(`load average at end: ${list(loadavgEnd)}`);
    for (const [key, runs] of http) {
      for (const sample of new Set(runs.flatMap((r) => r.failureSamples))) console.log(`${key} NOT 200: ${sample}`);
    }
    const allMet = ratios.every((r) => r.met !== false);
    const clean = Object.values(httpMedian).every((s) => s.non200 === 0 && s.keyFetches === 0);

    writeResults(start, loadavgEnd, {
      versions: VERSIONS,
      config: { RUNS, DURATION_S, WARMUP_S, CONNECTIONS, CORE_S, CORE_WARMUP_MS, BATCH },
      token: { chars: fixture.token.length, claims },
      sdkRoute: servers[0]!.note,
      serverChecks: checks,
      keyRequestsServed: fixture.hits,
      median: { core: coreMedian, express: httpMedian },
      ratios,
      perCpuS,
      allTargetsMet: allMet,
      allResponses200: clean,
      runs: { core: Object.fromEntries(core), express: Object.fromEntries(http) },
    });
    if (!clean) process.exitCode = 1;
  } finally {
    await Promise.all(servers.map(stopBenchServer));
    await fixture.close();
  }
}

await main();
