/**
 * On-demand benchmark (not part of the test suite): what the console costs the token endpoint.
 * Client-credentials tokens per server-CPU-second of three authmesh processes, measured interleaved in each
 * run: no console; the console enabled but not open (no stream: the activity feed has no subscriber);
 * the console open (one activity stream, read by this process, receiving every token event).
 * Usage: npm run bench:console   (env: RUNS=3 DURATION_S=10 WARMUP_S=2 CONNECTIONS=50)
 * See bench/README.md, "Console".
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startLoad } from '../lib/load.ts';
import { env, fmt, list, measureWindow, median, sum } from '../lib/measure.ts';
import { printTable, startBench, writeResults } from '../lib/report.ts';
import { type BenchServer, startBenchServer, stopBenchServer } from '../lib/servers.ts';
import { tokenRequestBody } from '../token-endpoint/fixture.ts';

const RUNS = env('RUNS', 3);
const DURATION_S = env('DURATION_S', 10);
const WARMUP_S = env('WARMUP_S', 2);
const CONNECTIONS = env('CONNECTIONS', 50);
/** "Adds nothing when no console is open": enabled-not-open ÷ off, within noise. */
const TARGET = 0.97;

interface Target {
  name: string;
  console: 'off' | 'loopback';
  /** Keep one activity stream open while measuring. */
  stream: boolean;
}

const TARGETS: Target[] = [
  { name: 'console off', console: 'off', stream: false },
  { name: 'console enabled, not open', console: 'loopback', stream: false },
  { name: 'console open (1 stream)', console: 'loopback', stream: true },
];

interface Run {
  tokensPerS: number;
  tokensPerCpuS: number;
  serverCores: number;
  otherCores: number;
  p50Ms: number;
  failed: number;
  /** Activity events the open stream received during the window (0 when no stream). */
  events: number;
}

/** An activity stream read and discarded, counting the events it carries. */
async function openStream(url: string): Promise<{ events: () => number; close: () => void }> {
  const abort = new AbortController();
  const response = await fetch(`${url}/console/api/activity`, { signal: abort.signal });
  if (response.status !== 200 || !response.body) throw new Error(`activity stream: ${response.status}`);
  let events = 0;
  const decoder = new TextDecoder();
  void (async () => {
    for await (const chunk of response.body as ReadableStream<Uint8Array>) {
      events += decoder.decode(chunk, { stream: true }).split('\nevent: activity\n').length - 1;
    }
  })().catch(() => {});
  return { events: () => events, close: () => abort.abort() };
}

async function measure(server: BenchServer & { target: Target; url: string }): Promise<Run> {
  const stream = server.target.stream ? await openStream(server.url) : undefined;
  try {
    const load = startLoad({
      url: server.url,
      path: '/oauth/token',
      body: tokenRequestBody('audience'),
      connections: CONNECTIONS,
    });
    const measured = await measureWindow(load, {
      pid: server.pid,
      warmupS: WARMUP_S,
      durationS: DURATION_S,
      done: (result) => result.ok,
      counter: () => stream?.events() ?? 0,
    });
    return {
      tokensPerS: measured.perS,
      tokensPerCpuS: measured.perCpuS,
      serverCores: measured.serverCores,
      otherCores: measured.otherCores,
      p50Ms: measured.result.latencyMs.p50,
      failed: sum(Object.values(measured.result.failures)),
      events: measured.counted,
    };
  } finally {
    stream?.close();
  }
}

async function main(): Promise<void> {
  const start = await startBench('console');
  console.log(`${RUNS} runs × (${WARMUP_S} s warm-up + ${DURATION_S} s) at ${CONNECTIONS} connections\n`);
  const servers: (BenchServer & { target: Target; url: string })[] = [];
  try {
    for (const target of TARGETS) {
      const server = await startBenchServer(target.name, join(import.meta.dirname, 'server.ts'), {
        CONSOLE: target.console,
      });
      servers.push({ ...server, target, url: server.firstLine.replace(/\/$/, '') });
    }
    const runs = new Map<string, Run[]>(TARGETS.map((t) => [t.name, []]));
    for (let round = 1; round <= RUNS; round++) {
      // Alternate the order so that slow drift of the host speed does not favour one target.
      for (const server of round % 2 ? servers : [...servers].reverse()) {
        const run = await measure(server);
        runs.get(server.target.name)?.push(run);
        console.log(
          `run ${round}/${RUNS} ${server.target.name}: ${fmt(run.tokensPerS)} tokens/s, ${fmt(run.tokensPerCpuS)} per CPU-s, ` +
            `server ${fmt(run.serverCores, 2)} cores, other ${fmt(run.otherCores, 2)} cores` +
            (server.target.stream ? `, ${run.events} events streamed` : '') +
            (run.failed ? `, ${run.failed} NOT 200` : ''),
        );
      }
    }
    const loadavgEnd = loadavg();
    const summary = (name: string) => {
      const r = runs.get(name) ?? [];
      return {
        tokensPerS: median(r.map((x) => x.tokensPerS)),
        tokensPerCpuS: median(r.map((x) => x.tokensPerCpuS)),
        p50Ms: median(r.map((x) => x.p50Ms)),
        otherCores: median(r.map((x) => x.otherCores)),
        failed: sum(r.map((x) => x.failed)),
      };
    };
    const [off, enabled, open] = TARGETS.map((t) => summary(t.name)) as [
      ReturnType<typeof summary>,
      ReturnType<typeof summary>,
      ReturnType<typeof summary>,
    ];
    const perRun = (name: string) =>
      (runs.get(name) ?? []).map((r, i) => r.tokensPerCpuS / (runs.get(TARGETS[0]!.name)?.[i]?.tokensPerCpuS ?? 1));
    const ratios = {
      enabledOverOffPerCpuS: enabled.tokensPerCpuS / off.tokensPerCpuS,
      openOverOffPerCpuS: open.tokensPerCpuS / off.tokensPerCpuS,
      enabledOverOffPerRun: perRun(TARGETS[1]!.name),
      openOverOffPerRun: perRun(TARGETS[2]!.name),
    };
    console.log(`\nmedian of ${RUNS} runs\n`);
    printTable([
      ['target', 'tokens/s', 'tokens/CPU-s', 'p50 ms', 'other', 'non-200'],
      ...TARGETS.map((t, i) => {
        const s = [off, enabled, open][i]!;
        return [
          t.name,
          fmt(s.tokensPerS),
          fmt(s.tokensPerCpuS),
          fmt(s.p50Ms, 2),
          fmt(s.otherCores, 2),
          String(s.failed),
        ];
      }),
    ]);
    console.log(
      `\nconsole enabled, not open ÷ off: ${ratios.enabledOverOffPerCpuS.toFixed(3)} tokens per server-CPU-second ` +
        `(target ≥ ${TARGET}: ${ratios.enabledOverOffPerCpuS >= TARGET ? 'met' : 'NOT MET'}; per run ${list(ratios.enabledOverOffPerRun, 3)})`,
    );
    console.log(
      `console open (1 stream) ÷ off: ${ratios.openOverOffPerCpuS.toFixed(3)} (per run ${list(ratios.openOverOffPerRun, 3)}): ` +
        'what building and sending one event per token costs while a console watches',
    );
    console.log(`load average at end: ${list(loadavgEnd)}`);
    writeResults(start, loadavgEnd, {
      config: { RUNS, DURATION_S, WARMUP_S, CONNECTIONS },
      median: { off, enabled, open },
      ratios,
      runs: Object.fromEntries(runs),
    });
  } finally {
    await Promise.all(servers.map(stopBenchServer));
  }
}

await main();
