/**
 * A small closed-loop HTTP load generator on node:http: `connections` request loops, each on its own keep-alive
 * socket, each sending the next request as soon as the previous response has been read in full.
 */
import { Agent, type OutgoingHttpHeaders, request } from 'node:http';

export interface LoadOptions {
  url: string;
  path: string;
  /** A urlencoded body makes the requests POSTs; without one they are GETs. */
  body?: string;
  headers?: OutgoingHttpHeaders;
  connections: number;
}

export interface LoadResult {
  elapsedS: number;
  /** Responses completed inside the recording window, whatever their status. */
  requests: number;
  ok: number;
  /** Every response checked, warm-up included. */
  checked: number;
  /** Non-200 responses and transport errors, warm-up included, by `status <code>` / `error <code>`. */
  failures: Record<string, number>;
  /** The first few non-200 bodies, for the report. */
  failureSamples: string[];
  latencyMs: { p50: number; p99: number; max: number };
}

export interface Load {
  /** Starts the measured window (everything before is warm-up). */
  record(): void;
  /** Ends the window, lets in-flight requests finish, closes the sockets. */
  stop(): Promise<LoadResult>;
}

export function startLoad(options: LoadOptions): Load {
  const { hostname, port } = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections });
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const method = body ? 'POST' : 'GET';
  const headers: OutgoingHttpHeaders = body
    ? { ...options.headers, 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length }
    : { ...options.headers };

  const recorder = latencyWindow();
  let ok = 0;
  let checked = 0;
  const failures: Record<string, number> = {};
  const failureSamples: string[] = [];

  const fail = (key: string, sample: string) => {
    failures[key] = (failures[key] ?? 0) + 1;
    if (failureSamples.length < 5) failureSamples.push(`${key}: ${sample.slice(0, 300)}`);
  };

  /** One request; resolves after the response body was read, never rejects. */
  const send = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = request({ agent, hostname, port, path: options.path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        if (res.statusCode === 200) res.resume();
        else res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          checked++;
          if (res.statusCode !== 200) fail(`status ${res.statusCode}`, Buffer.concat(chunks).toString('utf8'));
          if (recorder.counting) {
            recorder.add(performance.now() - t0);
            if (res.statusCode === 200) ok++;
          }
          resolve();
        });
        res.on('error', (error) => {
          checked++;
          fail(`error ${error.name}`, error.message);
          resolve();
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        checked++;
        fail(`error ${error.code ?? error.name}`, error.message);
        if (recorder.counting) recorder.add(performance.now() - t0);
        resolve();
      });
      req.setTimeout(30_000, () => req.destroy(Object.assign(new Error('no response in 30 s'), { code: 'TIMEOUT' })));
      req.end(body);
    });

  const loop = async () => {
    while (!recorder.stopped) await send();
  };
  const loops = Array.from({ length: options.connections }, loop);

  return {
    record() {
      ok = 0;
      recorder.record();
    },
    async stop() {
      recorder.stop();
      await Promise.all(loops);
      agent.destroy();
      const { elapsedS, latencies } = recorder.result();
      return {
        elapsedS,
        requests: latencies.length,
        ok,
        checked,
        failures,
        failureSamples,
        latencyMs: {
          p50: percentile(latencies, 0.5),
          p99: percentile(latencies, 0.99),
          max: latencies.at(-1) ?? Number.NaN,
        },
      };
    },
  };
}

/**
 * The measured window of a closed-loop load (this one, and the logins of bench/login): the loops run from the
 * start, but only latencies of what completes between record() and stop() count, so the warm-up is left out.
 */
export interface LatencyWindow {
  /** True once stop() was called: the loops end after what they have in flight. */
  readonly stopped: boolean;
  /** True between record() and stop(): what completes now counts. */
  readonly counting: boolean;
  /** Adds the latency of something that completed while `counting`. */
  add(latencyMs: number): void;
  record(): void;
  stop(): void;
  /** The window's length and the latencies added, sorted ascending. */
  result(): { elapsedS: number; latencies: Float64Array };
}

export function latencyWindow(): LatencyWindow {
  let recording = false;
  let stopped = false;
  let windowStart = 0;
  let windowEnd = 0;
  let latencies: number[] = [];
  return {
    get stopped() {
      return stopped;
    },
    get counting() {
      return recording && !stopped;
    },
    add(latencyMs) {
      latencies.push(latencyMs);
    },
    record() {
      latencies = [];
      recording = true;
      windowStart = performance.now();
    },
    stop() {
      stopped = true;
      windowEnd = performance.now();
    },
    result() {
      return { elapsedS: (windowEnd - windowStart) / 1000, latencies: Float64Array.from(latencies).sort() };
    },
  };
}

/** The nearest-rank percentile of ascending values; NaN when there are none. */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}
