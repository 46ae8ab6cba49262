/**
 * On-demand token-endpoint benchmark (not part of the test suite): client-credentials tokens/s and latency of
 * authmesh, next to the raw RS256 signing rate and bare oidc-provider measured in the same run.
 * Usage: npm run bench:token-endpoint   (env: RUNS=3 DURATION_S=10 WARMUP_S=2 CONNECTIONS=50 SIGN_S=3 SIGN_WORKERS=2)
 * See bench/README.md for how to read the numbers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoadResult, startLoad } from '../lib/load.ts';
import { env, fmt, list, measureWindow, median, sum } from '../lib/measure.ts';
import { printTable, startBench, writeResults } from '../lib/report.ts';
import { type BenchServer, startBenchServer, stopBenchServer } from '../lib/servers.ts';
import { exchangeRequestBody, subjectTokenRequestBody, tokenRequestBody } from './fixture.ts';
import { measureSignRate, type SignRate, signingInput } from './sign-rate.ts';
import { generateSigningKey } from './signing-key.ts';

const RUNS = env('RUNS', 3);
const DURATION_S = env('DURATION_S', 10);
// Long enough for a large process's young generation to settle: in the first seconds under load, V8 grows
// it and promotes megabytes per scavenge (--trace-gc-nvp), which costs the tenant ~5 % of its CPU per token.
const WARMUP_S = env('WARMUP_S', 8);
const CONNECTIONS = env('CONNECTIONS', 50);
const SIGN_S = env('SIGN_S', 3);
const SIGN_WORKERS = env('SIGN_WORKERS', 2);
// The copy both servers load (packages/server has no node_modules of its own).
const OIDC_PROVIDER_VERSION: string = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../node_modules/oidc-provider/package.json'), 'utf8'),
).version;

interface Target {
  name: string;
  script: string;
  path: string;
  /** The request body; a function when it needs the started server (the exchange's subject token). */
  body: string | ((url: string) => Promise<string>);
  /** Environment of the server process on top of this one's. */
  env?: NodeJS.ProcessEnv;
}

/** The On-Behalf-Of exchange body, with a subject token the server issued once before measuring. */
async function exchangeBody(url: string): Promise<string> {
  const res = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: subjectTokenRequestBody(),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`subject token: ${res.status} ${text}`);
  return exchangeRequestBody(String(JSON.parse(text).access_token));
}

const EXCHANGE_ROW = 'authmesh OBO token exchange';
const FAST_PATH_OFF_ROW = 'authmesh, fast path off';
const FLOOR_ROW = 'node:http + RS256 (floor)';
/** Issue 15's targets for authmesh's client-credentials tokens per server-CPU-second. */
const TARGET_OVER_SIGNING = 0.8;
const TARGET_OVER_BARE = 1.2;

const TARGETS: Target[] = [
  {
    name: 'bare oidc-provider',
    script: 'servers/bare-oidc-provider.ts',
    path: '/token',
    body: tokenRequestBody('resource'),
  },
  // The client-credentials fast path on (the default) and off: the same tenant, fixture and request.
  {
    name: 'authmesh',
    script: 'servers/authmesh.ts',
    path: '/oauth/token',
    body: tokenRequestBody('audience'),
    env: { AUTHMESH_CLIENT_CREDENTIALS_FAST_PATH: 'on' },
  },
  {
    name: FAST_PATH_OFF_ROW,
    script: 'servers/authmesh.ts',
    path: '/oauth/token',
    body: tokenRequestBody('audience'),
    env: { AUTHMESH_CLIENT_CREDENTIALS_FAST_PATH: 'off' },
  },
  // Its own process, so that its CPU is measured on its own, beside the client-credentials row.
  { name: EXCHANGE_ROW, script: 'servers/authmesh.ts', path: '/oauth/token', body: exchangeBody },
  // node:http and one signature on libuv's pool with nothing else: what is reachable at all on this machine.
  { name: FLOOR_ROW, script: 'servers/node-http-floor.ts', path: '/oauth/token', body: tokenRequestBody('audience') },
  // ONLY='name|name': the rows to measure (names contain commas).
].filter((t) => !process.env.ONLY || process.env.ONLY.split('|').includes(t.name));

interface HttpRun extends LoadResult {
  tokensPerS: number;
  serverCores: number;
  tokensPerCpuS: number;
  loadGenCores: number;
  /** Busy CPU of everything else on the machine (other sessions, the kernel), in cores. */
  otherCores: number;
}

interface Server extends BenchServer {
  target: Target;
  url: string;
  body: string;
}

async function startServer(target: Target, keyFile: string): Promise<Server> {
  const server = await startBenchServer(target.name, join(import.meta.dirname, target.script), {
    ...target.env,
    BENCH_KEY_FILE: keyFile,
  });
  const url = server.firstLine;
  const body = typeof target.body === 'string' ? target.body : await target.body(url.replace(/\/$/, ''));
  return { ...server, target, url, body };
}

/** One request outside the measurement: must be a 200 with an RS256 JWT signed with our key. */
async function checkToken(server: Server, kid: string): Promise<Record<string, unknown>> {
  const res = await fetch(server.url + server.target.path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: server.body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${server.target.name}: ${res.status} ${text}`);
  const token = String(JSON.parse(text).access_token);
  const [header, payload] = token
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
  if (header.alg !== 'RS256' || header.kid !== kid) {
    throw new Error(`${server.target.name}: unexpected JWS header ${JSON.stringify(header)}`);
  }
  return { tokenChars: token.length, header, payload };
}

async function measureHttp(server: Server): Promise<HttpRun> {
  const load = startLoad({
    url: server.url,
    path: server.target.path,
    body: server.body,
    connections: CONNECTIONS,
  });
  const measured = await measureWindow(load, {
    pid: server.pid,
    warmupS: WARMUP_S,
    durationS: DURATION_S,
    done: (result) => result.ok,
  });
  return {
    ...measured.result,
    tokensPerS: measured.perS,
    serverCores: measured.serverCores,
    tokensPerCpuS: measured.perCpuS,
    loadGenCores: measured.loadGenCores,
    otherCores: measured.otherCores,
  };
}

interface Summary {
  /** tokens/s (HTTP) or signatures/s (signing), median and best run. */
  perS: number;
  bestPerS: number;
  p50Ms: number;
  p99Ms: number;
  serverCores: number;
  perCpuS: number;
  loadGenCores: number;
  otherCores: number;
  non200: number;
  checked: number;
}

function summariseHttp(runs: HttpRun[]): Summary {
  return {
    perS: median(runs.map((r) => r.tokensPerS)),
    bestPerS: Math.max(...runs.map((r) => r.tokensPerS)),
    p50Ms: median(runs.map((r) => r.latencyMs.p50)),
    p99Ms: median(runs.map((r) => r.latencyMs.p99)),
    serverCores: median(runs.map((r) => r.serverCores)),
    perCpuS: median(runs.map((r) => r.tokensPerCpuS)),
    loadGenCores: median(runs.map((r) => r.loadGenCores)),
    otherCores: median(runs.map((r) => r.otherCores)),
    non200: sum(runs.map((r) => sum(Object.values(r.failures)))),
    checked: sum(runs.map((r) => r.checked)),
  };
}

function summariseSign(runs: SignRate[]): Summary {
  return {
    perS: median(runs.map((r) => r.opsPerS)),
    bestPerS: Math.max(...runs.map((r) => r.opsPerS)),
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    serverCores: median(runs.map((r) => r.cores)),
    perCpuS: median(runs.map((r) => r.opsPerCpuS)),
    loadGenCores: Number.NaN,
    otherCores: Number.NaN,
    non200: Number.NaN,
    checked: Number.NaN,
  };
}

function printSummaries(summaries: [string, Summary][]): void {
  printTable([
    ['target', 'tokens/s', 'best', 'p50 ms', 'p99 ms', 'server cores', 'tokens/CPU-s', 'loadgen', 'other', 'non-200'],
    ...summaries.map(([name, s]) => [
      name,
      fmt(s.perS),
      fmt(s.bestPerS),
      fmt(s.p50Ms, 2),
      fmt(s.p99Ms, 2),
      fmt(s.serverCores, 2),
      fmt(s.perCpuS),
      fmt(s.loadGenCores, 2),
      fmt(s.otherCores, 2),
      Number.isFinite(s.checked) ? `${s.non200}/${s.checked}` : '',
    ]),
  ]);
}

async function main(): Promise<void> {
  const start = await startBench('token-endpoint');
  console.log(`${RUNS} runs × (${WARMUP_S} s warm-up + ${DURATION_S} s) at ${CONNECTIONS} connections\n`);

  const jwk = generateSigningKey();
  const keyDir = mkdtempSync(join(tmpdir(), 'authmesh-bench-key-'));
  const keyFile = join(keyDir, 'key.json');
  writeFileSync(keyFile, JSON.stringify(jwk), { mode: 0o600 });

  const servers: Server[] = [];
  try {
    const samples: Record<string, unknown> = {};
    for (const target of TARGETS) {
      const server = await startServer(target, keyFile);
      servers.push(server);
      samples[target.name] = await checkToken(server, jwk.kid);
      console.log(`${target.name} (pid ${server.pid}) sample token: ${JSON.stringify(samples[target.name])}`);
    }

    const sign1: SignRate[] = [];
    const signN: SignRate[] = [];
    const http = new Map<string, HttpRun[]>(TARGETS.map((t) => [t.name, []]));
    for (let round = 1; round <= RUNS; round++) {
      sign1.push(await measureSignRate(jwk, 1, SIGN_S * 1000));
      signN.push(await measureSignRate(jwk, SIGN_WORKERS, SIGN_S * 1000));
      console.log(
        `run ${round}/${RUNS} RS256 signing: 1 thread ${fmt(sign1.at(-1)!.opsPerS)}/s, ` +
          `${SIGN_WORKERS} workers ${fmt(signN.at(-1)!.opsPerS)}/s`,
      );
      // Alternate the order so that slow drift of the host speed does not favour one target.
      for (const server of round % 2 ? servers : [...servers].reverse()) {
        const run = await measureHttp(server);
        http.get(server.target.name)!.push(run);
        const failed = sum(Object.values(run.failures));
        console.log(
          `run ${round}/${RUNS} ${server.target.name}: ${fmt(run.tokensPerS)} tokens/s, ` +
            `p50 ${fmt(run.latencyMs.p50, 2)} ms, p99 ${fmt(run.latencyMs.p99, 2)} ms, ` +
            `server ${fmt(run.serverCores, 2)} cores, other ${fmt(run.otherCores, 2)} cores` +
            (failed ? `, ${failed} NOT 200: ${JSON.stringify(run.failures)}` : ''),
        );
      }
    }

    // A row left out with ONLY has no runs: its figures and ratios print empty.
    const runsOf = (name: string) => http.get(name) ?? [];
    const meshRuns = runsOf('authmesh');
    const bareRuns = runsOf('bare oidc-provider');
    const engineRuns = runsOf(FAST_PATH_OFF_ROW);
    const exchangeRuns = runsOf(EXCHANGE_ROW);
    const floorRuns = runsOf(FLOOR_ROW);
    const sign = { oneThread: summariseSign(sign1), workers: summariseSign(signN) };
    const bare = summariseHttp(bareRuns);
    const mesh = summariseHttp(meshRuns);
    const engineOnly = summariseHttp(engineRuns);
    const exchange = summariseHttp(exchangeRuns);
    const floor = summariseHttp(floorRuns);
    const ratios = {
      authmeshOverBare: mesh.perS / bare.perS,
      authmeshOverBarePerRun: meshRuns.map((r, i) => r.tokensPerS / (bareRuns[i]?.tokensPerS ?? Number.NaN)),
      authmeshOverBarePerCpuS: mesh.perCpuS / bare.perCpuS,
      authmeshOverSigning: mesh.perS / sign.workers.perS,
      authmeshOverSigningPerCpuS: mesh.perCpuS / sign.oneThread.perCpuS,
      bareOverSigning: bare.perS / sign.workers.perS,
      bareOverSigningPerCpuS: bare.perCpuS / sign.oneThread.perCpuS,
      exchangeOverClientCredentialsPerCpuS: exchange.perCpuS / mesh.perCpuS,
      // Issue 15: the fast path's tokens per server-CPU-second against the machine's signing and the bare engine.
      authmeshOverSigningPerCpuSPerRun: meshRuns.map((r, i) => r.tokensPerCpuS / sign1[i]!.opsPerCpuS),
      authmeshOverBarePerCpuSPerRun: meshRuns.map(
        (r, i) => r.tokensPerCpuS / (bareRuns[i]?.tokensPerCpuS ?? Number.NaN),
      ),
      fastPathOnOverOffPerCpuS: mesh.perCpuS / engineOnly.perCpuS,
      fastPathOffOverSigningPerCpuS: engineOnly.perCpuS / sign.oneThread.perCpuS,
      // Against signing with both vCPUs busy, as they are while a server is under load (the load generator
      // shares them): on this VM a core signs ~5-13 % slower when the other core is busy too.
      authmeshOverSigningBothBusyPerCpuS: mesh.perCpuS / sign.workers.perCpuS,
      // The floor: node:http plus one signature on libuv's pool, nothing else.
      floorOverSigningPerCpuS: floor.perCpuS / sign.oneThread.perCpuS,
      authmeshOverFloorPerCpuS: mesh.perCpuS / floor.perCpuS,
      authmeshOverFloorPerCpuSPerRun: meshRuns.map(
        (r, i) => r.tokensPerCpuS / (floorRuns[i]?.tokensPerCpuS ?? Number.NaN),
      ),
    };
    const loadavgEnd = loadavg();

    console.log(`\nmedian of ${RUNS} runs; signing input ${signingInput(jwk.kid).length} bytes\n`);
    printSummaries([
      ['RS256 sign, node:crypto, 1 thread sync', sign.oneThread],
      [`RS256 sign, node:crypto, ${SIGN_WORKERS} worker_threads`, sign.workers],
      [`bare oidc-provider ${OIDC_PROVIDER_VERSION}`, bare],
      ['authmesh', mesh],
      [FAST_PATH_OFF_ROW, engineOnly],
      [EXCHANGE_ROW, exchange],
      [FLOOR_ROW, floor],
    ]);
    console.log('(signing rows: signatures/s and signatures per CPU-second of the signing threads)');
    console.log(
      `\nauthmesh ÷ bare oidc-provider: ${ratios.authmeshOverBare.toFixed(2)} tokens/s ` +
        `(target ≥ 0.90: ${ratios.authmeshOverBare >= 0.9 ? 'met' : 'NOT MET'}; per run ${list(ratios.authmeshOverBarePerRun)}), ` +
        `${ratios.authmeshOverBarePerCpuS.toFixed(2)} tokens per server-CPU-second`,
    );
    console.log(
      `authmesh ÷ raw signing: ${ratios.authmeshOverSigning.toFixed(2)} (tokens/s ÷ ${SIGN_WORKERS}-worker signs/s), ` +
        `${ratios.authmeshOverSigningPerCpuS.toFixed(2)} (tokens/CPU-s ÷ signs/CPU-s)`,
    );
    console.log(
      `bare oidc-provider ÷ raw signing: ${ratios.bareOverSigning.toFixed(2)} (tokens/s), ` +
        `${ratios.bareOverSigningPerCpuS.toFixed(2)} (per CPU-s)`,
    );
    const met = (ratio: number, target: number) => (ratio >= target ? '✓ met' : '✗ NOT MET');
    console.log(
      `\nissue 15 targets (tokens per server-CPU-second, medians of ${RUNS} runs):\n` +
        `  authmesh ÷ RS256 signing, 1 thread: ${ratios.authmeshOverSigningPerCpuS.toFixed(2)} ` +
        `(target ≥ ${TARGET_OVER_SIGNING}: ${met(ratios.authmeshOverSigningPerCpuS, TARGET_OVER_SIGNING)}; ` +
        `per run ${list(ratios.authmeshOverSigningPerCpuSPerRun)})\n` +
        `  authmesh ÷ bare oidc-provider: ${ratios.authmeshOverBarePerCpuS.toFixed(2)} ` +
        `(target ≥ ${TARGET_OVER_BARE}: ${met(ratios.authmeshOverBarePerCpuS, TARGET_OVER_BARE)}; ` +
        `per run ${list(ratios.authmeshOverBarePerCpuSPerRun)})\n` +
        `  fast path on ÷ off: ${ratios.fastPathOnOverOffPerCpuS.toFixed(2)}; ` +
        `fast path off ÷ signing: ${ratios.fastPathOffOverSigningPerCpuS.toFixed(2)}\n` +
        `  authmesh ÷ RS256 signing, ${SIGN_WORKERS} threads (both vCPUs busy, as under load): ` +
        `${ratios.authmeshOverSigningBothBusyPerCpuS.toFixed(2)}\n` +
        `  the floor (node:http + one signature, nothing else) ÷ signing, 1 thread: ` +
        `${ratios.floorOverSigningPerCpuS.toFixed(2)}; authmesh ÷ the floor: ` +
        `${ratios.authmeshOverFloorPerCpuS.toFixed(2)} (per run ${list(ratios.authmeshOverFloorPerCpuSPerRun)})`,
    );
    console.log(
      `authmesh OBO exchanges ÷ client-credentials tokens: ${ratios.exchangeOverClientCredentialsPerCpuS.toFixed(2)} per server-CPU-second`,
    );
    console.log(`load average at end: ${list(loadavgEnd)}`);
    for (const [name, runs] of http) {
      for (const sample of new Set(runs.flatMap((r) => r.failureSamples))) console.log(`${name} NOT 200: ${sample}`);
    }

    writeResults(start, loadavgEnd, {
      oidcProvider: OIDC_PROVIDER_VERSION,
      config: { RUNS, DURATION_S, WARMUP_S, CONNECTIONS, SIGN_S, SIGN_WORKERS },
      samples,
      median: {
        signOneThread: sign.oneThread,
        signWorkers: sign.workers,
        bare,
        authmesh: mesh,
        authmeshFastPathOff: engineOnly,
        exchange,
        floor,
      },
      ratios,
      runs: { signOneThread: sign1, signWorkers: signN, ...Object.fromEntries(http) },
    });
  } finally {
    await Promise.all(servers.map(stopBenchServer));
    rmSync(keyDir, { recursive: true, force: true });
  }
}

await main();
