/**
 * In-process micro-benchmarks of verifying one RS256 access token: time-boxed loops (performance.now) that
 * count completed verifications, with the process CPU (all threads, so WebCrypto on the libuv pool counts) over
 * the same window. The SDK is warmed before measuring, and a case fails if a key fetch happens while it runs.
 */
import { verify } from 'node:crypto';
import { createVerifier, type Verifier } from '@authmesh/api';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { AUDIENCE, type Fixture, keyFetches } from './fixture.ts';

export const BATCH = 64;
/** Operations between two clock reads in the sequential loops (the cached path takes about 1 µs). */
const STEP = 16;

export interface CoreCase {
  key: string;
  name: string;
  /** One step: performs some verifications and resolves with how many. */
  step: () => number | Promise<number>;
  /** The verifier whose `stats.jwksFetches` must not grow while measuring. */
  verifier?: Verifier;
}

export interface CoreRun {
  ops: number;
  elapsedS: number;
  opsPerS: number;
  /** Process CPU ÷ wall time over the window. */
  cores: number;
  opsPerCpuS: number;
}

export async function coreCases(fixture: Fixture): Promise<CoreCase[]> {
  const { token, issuer, publicKey, signingInput, signature } = fixture;
  const sdk = createVerifier({ issuerBaseURL: issuer, audience: AUDIENCE });
  const sdkCached = createVerifier({ issuerBaseURL: issuer, audience: AUDIENCE, cache: { maxEntries: 10_000 } });
  const jwks = createLocalJWKSet(fixture.jwks);
  const joseOptions = { issuer, audience: AUDIENCE, algorithms: ['RS256'] };

  // Warm-up and sanity: every contender accepts the token (this is where the SDKs fetch discovery + JWKS).
  for (const v of [sdk, sdkCached]) {
    const auth = await v.verify(token);
    if (auth.subject !== `${auth.clientId}@clients` || !auth.isMachine) throw new Error('unexpected AuthResult');
  }
  if (!verify('sha256', signingInput, publicKey, signature)) throw new Error('node:crypto rejected the token');
  await jwtVerify(token, jwks, joseOptions);

  const seq = (fn: () => Promise<unknown>) => async () => {
    for (let i = 0; i < STEP; i++) await fn();
    return STEP;
  };
  const batch = (fn: () => Promise<unknown>) => async () => {
    await Promise.all(Array.from({ length: BATCH }, fn));
    return BATCH;
  };
  const sdkVerify = () => sdk.verify(token);
  const cachedVerify = () => sdkCached.verify(token);
  const joseVerify = () => jwtVerify(token, jwks, joseOptions);

  return [
    {
      key: 'nodeCrypto',
      name: 'node:crypto verify, sync, KeyObject',
      step: () => {
        let ok = 0;
        for (let i = 0; i < STEP; i++) if (verify('sha256', signingInput, publicKey, signature)) ok++;
        if (ok !== STEP) throw new Error('node:crypto rejected the token');
        return STEP;
      },
    },
    { key: 'sdk', name: 'SDK verify, sequential await', step: seq(sdkVerify), verifier: sdk },
    { key: 'sdkBatch', name: `SDK verify, ${BATCH} concurrent`, step: batch(sdkVerify), verifier: sdk },
    {
      key: 'sdkCached',
      name: 'SDK + cache, same token, sequential',
      step: seq(cachedVerify),
      verifier: sdkCached,
    },
    {
      key: 'sdkCachedBatch',
      name: `SDK + cache, same token, ${BATCH} concurrent`,
      step: batch(cachedVerify),
      verifier: sdkCached,
    },
    { key: 'jose', name: 'jose jwtVerify + local JWKS, sequential', step: seq(joseVerify) },
    { key: 'joseBatch', name: `jose jwtVerify + local JWKS, ${BATCH} concurrent`, step: batch(joseVerify) },
  ];
}

export async function measureCore(
  fixture: Fixture,
  c: CoreCase,
  durationMs: number,
  warmupMs: number,
): Promise<CoreRun> {
  const until = async (ms: number) => {
    let ops = 0;
    const end = performance.now() + ms;
    while (performance.now() < end) ops += await c.step();
    return ops;
  };
  await until(warmupMs);
  const fetches0 = c.verifier?.stats.jwksFetches ?? 0;
  const served0 = keyFetches(fixture);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ops = await until(durationMs);
  const elapsedS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const fetched = (c.verifier?.stats.jwksFetches ?? 0) - fetches0;
  if (fetched !== 0 || keyFetches(fixture) !== served0) {
    throw new Error(`${c.name}: ${fetched} key fetches during the measured loop (the verifier was not warm)`);
  }
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return { ops, elapsedS, opsPerS: ops / elapsedS, cores: cpuS / elapsedS, opsPerCpuS: ops / cpuS };
}
