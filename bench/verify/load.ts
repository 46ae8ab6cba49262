/**
 * GET variant of bench/token-endpoint/load.ts (which only POSTs a form body): `connections` closed request
 * loops on node:http, each on its own keep-alive socket, each sending the next request as soon as the previous
 * response has been read in full. Same result shape, so the two benches read alike.
 */
import { Agent, type OutgoingHttpHeaders, request } from 'node:http';
import type { Load, LoadResult } from '../token-endpoint/load.ts';

export type { Load, LoadResult };

export interface GetLoadOptions {
  url: string;
  path: string;
  headers: OutgoingHttpHeaders;
  connections: number;
}

export function startGetLoad(options: GetLoadOptions): Load {
  const { hostname, port } = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections });

  let recording = false;
  let stopped = false;
  let windowStart = 0;
  let windowEnd = 0;
  let latencies: number[] = [];
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
      const req = request(
        { agent, hostname, port, path: options.path, method: 'GET', headers: options.headers },
        (res) => {
          const chunks: Buffer[] = [];
          if (res.statusCode === 200) res.resume();
          else res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            checked++;
            if (res.statusCode !== 200) fail(`status ${res.statusCode}`, Buffer.concat(chunks).toString('utf8'));
            if (recording && !stopped) {
              latencies.push(performance.now() - t0);
              if (res.statusCode === 200) ok++;
            }
            resolve();
          });
          res.on('error', (error) => {
            checked++;
            fail(`error ${error.name}`, error.message);
            resolve();
          });
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        checked++;
        fail(`error ${error.code ?? error.name}`, error.message);
        if (recording && !stopped) latencies.push(performance.now() - t0);
        resolve();
      });
      req.setTimeout(30_000, () => req.destroy(Object.assign(new Error('no response in 30 s'), { code: 'TIMEOUT' })));
      req.end();
    });

  const loop = async () => {
    while (!stopped) await send();
  };
  const loops = Array.from({ length: options.connections }, loop);

  return {
    record() {
      latencies = [];
      ok = 0;
      recording = true;
      windowStart = performance.now();
    },
    async stop() {
      stopped = true;
      windowEnd = performance.now();
      await Promise.all(loops);
      agent.destroy();
      const sorted = Float64Array.from(latencies).sort();
      return {
        elapsedS: (windowEnd - windowStart) / 1000,
        requests: sorted.length,
        ok,
        checked,
        failures,
        failureSamples,
        latencyMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN },
      };
    },
  };
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}
