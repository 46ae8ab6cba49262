/**
 * Where a token's CPU goes, by thread: runs each target server (a script of `servers/`, optionally
 * `script:NAME=value` for one environment variable) under the token-endpoint bench's load and prints its
 * CPU per token on the main thread, libuv's pool (the signature), V8's helper threads (mostly the parallel
 * scavenger) and the rest, from /proc. Two rounds; one process per target and round.
 * Usage: node bench/token-endpoint/thread-split.ts
 *   (env: TARGETS=authmesh.ts,node-http-floor.ts WARMUP_S=8 DURATION_S=8 CONNECTIONS=50;
 *    BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=<dir>" to profile the servers as well)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLoad } from '../lib/load.ts';
import { env } from '../lib/measure.ts';
import { startBenchServer, stopBenchServer } from '../lib/servers.ts';
import { threadCpuS } from '../login/thread-cpu.ts';
import { tokenRequestBody } from './fixture.ts';
import { generateSigningKey } from './signing-key.ts';

const WARMUP_S = env('WARMUP_S', 8);
const DURATION_S = env('DURATION_S', 8);
const CONNECTIONS = env('CONNECTIONS', 50);
const targets = (process.env.TARGETS ?? 'authmesh.ts,node-http-floor.ts').split(',');
const seconds = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));

const keyDir = mkdtempSync(join(tmpdir(), 'authmesh-bench-key-'));
const keyFile = join(keyDir, 'key.json');
writeFileSync(keyFile, JSON.stringify(generateSigningKey()), { mode: 0o600 });
try {
  for (let round = 1; round <= 2; round++) {
    for (const target of targets) {
      const [script = '', setting] = target.split(':');
      const [name, value] = setting?.split('=') ?? [];
      const server = await startBenchServer(target, join(import.meta.dirname, 'servers', script), {
        BENCH_KEY_FILE: keyFile,
        ...(name ? { [name]: value } : {}),
      });
      const load = startLoad({
        url: server.firstLine,
        path: '/oauth/token',
        body: tokenRequestBody('audience'),
        connections: CONNECTIONS,
      });
      await seconds(WARMUP_S);
      const before = threadCpuS(server.pid);
      load.record();
      await seconds(DURATION_S);
      const after = threadCpuS(server.pid);
      const { ok, elapsedS } = await load.stop();
      await stopBenchServer(server);
      const perToken = (name: string) => ((after.get(name) ?? 0) - (before.get(name) ?? 0)) / ok;
      const total = [...after.keys()].reduce((sum, name) => sum + perToken(name), 0);
      const parts = [...after.keys()]
        .map((name) => [name, perToken(name) * 1e6] as const)
        .filter(([, us]) => us >= 0.5)
        .map(([name, us]) => `${name} ${us.toFixed(0)}`);
      console.log(
        `round ${round} ${target}: ${(ok / elapsedS).toFixed(0)} tokens/s, ${(total * 1e6).toFixed(0)} µs CPU ` +
          `per token (${parts.join(', ')})`,
      );
    }
  }
} finally {
  rmSync(keyDir, { recursive: true, force: true });
}
