/**
 * Baseline (a): raw RS256 signing with node:crypto, synchronous `crypto.sign` in a tight loop, one loop per
 * worker thread (1 thread = the single-core rate; 2 = what a process that also uses the libuv pool can reach).
 * This file is also the worker's entry point.
 */
import { createPrivateKey, type JsonWebKey, sign } from 'node:crypto';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { SigningJwk } from './signing-key.ts';

export interface SignRate {
  threads: number;
  /** Sum over threads of signatures per wall-clock second. */
  opsPerS: number;
  /** Signatures per CPU-second of the signing threads. */
  opsPerCpuS: number;
  /** CPU cores the signing threads used. */
  cores: number;
}

interface WorkerResult {
  ops: number;
  elapsedS: number;
  cpuS: number;
}

const WARMUP_MS = 300;

/** A realistic JWS signing input: base64url(header) '.' base64url(Auth0-style M2M access-token claims). */
export function signingInput(kid: string): Buffer {
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid };
  const payload = {
    iss: 'http://localhost:4000/',
    sub: 'orders-m2m-0001@clients',
    aud: 'https://catalog.example.test',
    iat,
    exp: iat + 3600,
    scope: 'read:catalog',
    gty: 'client-credentials',
  };
  return Buffer.from(`${b64(header)}.${b64(payload)}`);
}

export async function measureSignRate(jwk: SigningJwk, threads: number, durationMs: number): Promise<SignRate> {
  const workers = Array.from(
    { length: threads },
    () => new Worker(new URL(import.meta.url), { workerData: { jwk, durationMs } }),
  );
  try {
    const ready = workers.map((w) => nextMessage(w));
    await Promise.all(ready);
    const results = workers.map((w) => nextMessage(w) as Promise<WorkerResult>);
    for (const w of workers) w.postMessage('go');
    const done = await Promise.all(results);
    const cpuS = done.reduce((sum, r) => sum + r.cpuS, 0);
    const ops = done.reduce((sum, r) => sum + r.ops, 0);
    return {
      threads,
      opsPerS: done.reduce((sum, r) => sum + r.ops / r.elapsedS, 0),
      opsPerCpuS: ops / cpuS,
      cores: done.reduce((sum, r) => sum + r.cpuS / r.elapsedS, 0),
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function nextMessage(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

function runWorker(jwk: SigningJwk, durationMs: number): void {
  const key = createPrivateKey({ key: jwk as unknown as JsonWebKey, format: 'jwk' });
  const data = signingInput(jwk.kid);
  const loop = (ms: number): number => {
    let ops = 0;
    const end = performance.now() + ms;
    while (performance.now() < end) {
      sign('sha256', data, key);
      ops++;
    }
    return ops;
  };
  loop(WARMUP_MS);
  parentPort?.once('message', () => {
    const cpu0 = process.threadCpuUsage();
    const t0 = performance.now();
    const ops = loop(durationMs);
    const elapsedS = (performance.now() - t0) / 1000;
    const cpu = process.threadCpuUsage(cpu0);
    parentPort?.postMessage({ ops, elapsedS, cpuS: (cpu.user + cpu.system) / 1e6 } satisfies WorkerResult);
  });
  parentPort?.postMessage('ready');
}

if (!isMainThread && workerData?.jwk) runWorker(workerData.jwk, workerData.durationMs);
