import { randomBytes } from 'node:crypto';
import type { Tenant } from '@authmesh/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BearerError, createVerifier, type Verifier, type VerifierOptions } from '../../src/index.ts';
import { Canary, FakeTenant, seededRandom, testClocks, trackingFetch } from '../core/support/fake-tenant.ts';
import { ecKey, forge, rawSignature, rsaKey, signJwt, type TestKey } from '../core/support/keys.ts';
import { CATALOG, m2mToken, startRealTenant } from '../core/support/real-tenant.ts';

/**
 * Key fetching under faults (docs/security.md, "The API SDK": outages, rotation, refetch storms), against a
 * scriptable fake tenant on 127.0.0.1. Time only moves through the injected clocks (`mono` for the key
 * cache, `wall` for token times); waits are on the verifier's own requests settling (`tracker.idle()`).
 *
 * Defaults under test: cacheMaxAge 10 min (background refresh from 8 min), staleIfError 24 h, cooldown
 * 30 s, timeout 5 s, maxBodyBytes 256 KiB, backoff 1 s → 5 min with full jitter and a 500 ms floor.
 * `stats.jwksFetches` counts discovery and JWKS requests together.
 */

const API = 'https://api.test';
const k1 = rsaKey('k1');
const k2 = rsaKey('k2');
const e1 = ecKey('e1');
const COOLDOWN = 30_000;
const CACHE_MAX_AGE = 600_000;

let fake: FakeTenant;
let canary: Canary | undefined;
let realTenant: Tenant | undefined;
let clocks: ReturnType<typeof testClocks>;
let tracker: ReturnType<typeof trackingFetch>;

beforeEach(async () => {
  fake = await FakeTenant.start({ keys: [k1.jwk, e1.jwk] });
  clocks = testClocks();
  tracker = trackingFetch();
});

afterEach(async () => {
  await fake.close();
  await canary?.close();
  canary = undefined;
  await realTenant?.close();
  realTenant = undefined;
});

/** A verifier on the fake tenant; by default through the tracking fetch (so `tracker.idle()` works). */
function makeVerifier(options: Partial<VerifierOptions> = {}): Verifier {
  return createVerifier({ issuerBaseURL: fake.url, audience: API, fetch: tracker.fetch, ...options }, clocks.internals);
}

function token(key: TestKey = k1, overrides: Record<string, unknown> = {}): Promise<string> {
  const now = clocks.wall;
  return signJwt(key, { iss: fake.issuer, sub: 'user-1', aud: API, iat: now, exp: now + 86_400, ...overrides });
}

/** Tokens with random kids, as an attacker would send them (signature bytes random too). */
function randomKidTokens(count: number): string[] {
  const payload = { iss: fake.issuer, sub: 'user-1', aud: API, iat: clocks.wall, exp: clocks.wall + 3600 };
  return Array.from({ length: count }, () =>
    forge({ alg: 'RS256', kid: randomBytes(12).toString('base64url'), typ: 'at+jwt' }, payload, {
      signature: randomBytes(256).toString('base64url'),
    }),
  );
}

async function refusal(promise: Promise<unknown>): Promise<BearerError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof BearerError)) throw new Error(`expected a BearerError, got ${String(outcome)}`);
  return outcome;
}

function expectUnavailable(error: BearerError): void {
  expect(error.code).toBe('ERR_KEYS_UNAVAILABLE');
  expect(error.status).toBe(503);
  expect(error.retryAfter).toBeGreaterThanOrEqual(1);
  const headers = error.headers('api');
  expect(headers['Retry-After']).toMatch(/^[1-9]\d*$/);
  // 503 is no verdict on the token: no error="invalid_token".
  expect(headers['WWW-Authenticate']).toBe('Bearer realm="api"');
  expect(error.body()).toMatchObject({ error: 'temporarily_unavailable' });
}

/** Warms a verifier with one valid k1 token: one discovery and one JWKS request. */
async function warm(verifier: Verifier): Promise<void> {
  await verifier.verify(await token());
  await tracker.idle();
  expect(fake.counts).toEqual({ discovery: 1, jwks: 1, other: 0 });
}

describe('random kids cannot cause a fetch storm', () => {
  it('1,000 random-kid tokens within a second on a warm verifier → at most one JWKS fetch, all 401 key_unknown', async () => {
    const verifier = makeVerifier();
    await warm(verifier);
    // Worst case: the cooldown has just elapsed, so the first unknown kid may refetch once.
    clocks.mono += COOLDOWN;
    const before = { stats: verifier.stats.jwksFetches, ...fake.counts };
    const tokens = randomKidTokens(1_000);
    const outcomes: BearerError[] = [];
    for (let wave = 0; wave < 10; wave++) {
      // 100 concurrent requests per 100 ms of (injected) time: 1,000 in one second.
      const batch = tokens.slice(wave * 100, wave * 100 + 100);
      outcomes.push(...(await Promise.all(batch.map((t) => refusal(verifier.verify(t))))));
      clocks.mono += 100;
    }
    await tracker.idle();
    expect(outcomes).toHaveLength(1_000);
    for (const error of outcomes) {
      expect({ status: error.status, code: error.code, reason: error.reason }).toEqual({
        status: 401,
        code: 'ERR_TOKEN_INVALID',
        reason: 'key_unknown',
      });
    }
    expect(verifier.stats.jwksFetches - before.stats).toBeLessThanOrEqual(1);
    expect(fake.counts.jwks - before.jwks).toBeLessThanOrEqual(1);
    expect(fake.counts.discovery).toBe(before.discovery);
    // And the legitimate key still verifies, without a fetch.
    await expect(verifier.verify(await token())).resolves.toMatchObject({ subject: 'user-1' });
    expect(fake.counts.jwks - before.jwks).toBeLessThanOrEqual(1);
  });

  it('random kids within the cooldown of the last fetch → no fetch at all', async () => {
    const verifier = makeVerifier();
    await warm(verifier);
    clocks.mono += COOLDOWN - 1;
    const errors = await Promise.all(randomKidTokens(200).map((t) => refusal(verifier.verify(t))));
    expect(new Set(errors.map((e) => e.reason))).toEqual(new Set(['key_unknown']));
    expect(fake.counts).toEqual({ discovery: 1, jwks: 1, other: 0 });
  });
});

describe('an unreachable tenant does not turn valid tokens into 401s', () => {
  it('JWKS answering 503 for an hour after warm-up: a known-kid token every second keeps verifying; attempts back off', async () => {
    const verifier = makeVerifier();
    clocks.random = seededRandom(20_251_128);
    await warm(verifier);
    const valid = await token();
    fake.script.jwksStatus = 503;
    fake.script.discoveryStatus = 503;
    const start = clocks.mono;
    const attemptsAt: number[] = [];
    for (let second = 1; second <= 3_600; second++) {
      clocks.mono = start + second * 1_000;
      clocks.wall += 1;
      const before = fake.counts.jwks;
      const auth = await verifier.verify(valid);
      expect(auth.subject).toBe('user-1');
      await tracker.idle();
      if (fake.counts.jwks > before) attemptsAt.push(second);
    }
    const attempts = attemptsAt.length;
    // No attempt before the background refresh point (80 % of cacheMaxAge), then attempts that back off:
    // without backoff this would be 3,120 requests to a tenant that is down.
    expect(attemptsAt[0]).toBeGreaterThan((CACHE_MAX_AGE * 0.8) / 1_000);
    expect(attempts).toBeGreaterThanOrEqual(5);
    expect(attempts).toBeLessThanOrEqual(40);
    // Steady state (after the first 20 minutes of failures): at most a few attempts per 10 minutes.
    expect(attemptsAt.filter((s) => s > 3_000).length).toBeLessThanOrEqual(6);
    // Discovery is not fetched again: the JWKS URL is known.
    expect(fake.counts.discovery).toBe(1);
  });

  it('tenant stopped (connections refused): beyond cacheMaxAge but within staleIfError the cached key still verifies', async () => {
    const verifier = makeVerifier();
    await warm(verifier);
    const valid = await token();
    await fake.stop();
    const urlsBefore = tracker.urls.length;
    clocks.mono += CACHE_MAX_AGE + 1;
    await expect(verifier.verify(valid)).resolves.toMatchObject({ subject: 'user-1' });
    await tracker.idle();
    // 100 more requests over the next 10 s: a few backed-off attempts, not 100.
    for (let i = 0; i < 100; i++) {
      clocks.mono += 100;
      await expect(verifier.verify(valid)).resolves.toMatchObject({ subject: 'user-1' });
      await tracker.idle();
    }
    const attempts = tracker.urls.length - urlsBefore;
    expect(attempts).toBeGreaterThanOrEqual(1);
    expect(attempts).toBeLessThanOrEqual(6);
    // Unknown kids are still a verdict on the token (401), not an outage (503): keys are known.
    const unknown = await refusal(verifier.verify(randomKidTokens(1)[0] as string));
    expect(unknown.reason).toBe('key_unknown');
  });

  it('beyond staleIfError with the tenant down → 503 ERR_KEYS_UNAVAILABLE with Retry-After, not 401', async () => {
    const verifier = makeVerifier({ jwks: { cacheMaxAge: 60_000, staleIfError: 600_000 } });
    await warm(verifier);
    const valid = await token();
    await fake.stop();
    clocks.mono += 600_000; // the last moment of the stale window
    await expect(verifier.verify(valid)).resolves.toMatchObject({ subject: 'user-1' });
    await tracker.idle();
    clocks.mono += 1_000;
    expectUnavailable(await refusal(verifier.verify(valid)));
    // Whatever the token: with no usable keys, nothing can be judged.
    expectUnavailable(await refusal(verifier.verify(randomKidTokens(1)[0] as string)));
    const tampered = valid.replace(/\.[^.]+$/, `.${Buffer.alloc(256, 7).toString('base64url')}`);
    expectUnavailable(await refusal(verifier.verify(tampered)));
    // Retry-After follows the backoff: a request a moment later does not reach the network.
    const urls = tracker.urls.length;
    clocks.mono += 10;
    expectUnavailable(await refusal(verifier.verify(valid)));
    expect(tracker.urls.length).toBe(urls);
  });

  it('with the real tenant: stopped after a warm-up, its valid token is still accepted', async () => {
    realTenant = await startRealTenant();
    const valid = await m2mToken(realTenant);
    const verifier = createVerifier(
      { issuerBaseURL: realTenant.issuer, audience: CATALOG, fetch: tracker.fetch },
      { keyClock: clocks.internals.keyClock },
    );
    await expect(verifier.verify(valid)).resolves.toMatchObject({ subject: 'orders-m2m-0001@clients' });
    await tracker.idle();
    expect(verifier.stats.jwksFetches).toBe(2);
    await realTenant.close();
    for (const step of [CACHE_MAX_AGE + 1, 60_000, 3_600_000]) {
      clocks.mono += step;
      await expect(verifier.verify(valid)).resolves.toMatchObject({ subject: 'orders-m2m-0001@clients' });
      await tracker.idle();
    }
    // Each stale request may try once, but backoff keeps it to one attempt per request here at most.
    expect(verifier.stats.jwksFetches).toBeLessThanOrEqual(2 + 3);
  });
});

describe('cold start with the tenant down', () => {
  it('connections refused → 503 at once (no hang), no refetch while backing off, recovery when the tenant returns', async () => {
    await fake.stop();
    const verifier = makeVerifier();
    const valid = await token();
    const started = performance.now();
    const error = await refusal(verifier.verify(valid));
    const elapsed = performance.now() - started;
    expectUnavailable(error);
    // Refused connections fail fast: far below the 5 s request timeout.
    expect(elapsed).toBeLessThan(4_000);
    expect(tracker.urls).toHaveLength(1);

    // Still backing off: answered 503 without touching the network.
    expectUnavailable(await refusal(verifier.verify(valid)));
    expect(tracker.urls).toHaveLength(1);

    await fake.start();
    expectUnavailable(await refusal(verifier.verify(valid)));
    expect(fake.total).toBe(0);
    // After the backoff (first failure: at most 1 s) the next request fetches and verifies.
    clocks.mono += 1_000;
    await expect(verifier.verify(valid)).resolves.toMatchObject({ subject: 'user-1' });
    expect(fake.counts).toEqual({ discovery: 1, jwks: 1, other: 0 });
  });

  it('hanging tenant with jwks.timeout 200 → 503 after about the timeout; concurrent requests share one attempt', async () => {
    fake.script.mode = 'hang';
    const verifier = makeVerifier({ jwks: { timeout: 200 } });
    const valid = await token();
    const started = performance.now();
    const errors = await Promise.all(Array.from({ length: 20 }, () => refusal(verifier.verify(valid))));
    const elapsed = performance.now() - started;
    for (const error of errors) expectUnavailable(error);
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(3_000);
    expect(fake.counts.discovery).toBe(1);
  });

  it('hanging JWKS after a good discovery → 503 after about the timeout', async () => {
    fake.script.jwksMode = 'hang';
    const verifier = makeVerifier({ jwks: { timeout: 200 } });
    const started = performance.now();
    expectUnavailable(await refusal(verifier.verify(await token())));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(3_000);
    expect(fake.counts).toEqual({ discovery: 1, jwks: 1, other: 0 });
  });

  it('a JWKS trickling one byte every 50 ms is aborted at the timeout (the timeout covers the body)', async () => {
    fake.script.jwksMode = 'trickle';
    const verifier = makeVerifier({ jwks: { timeout: 300 }, fetch: globalThis.fetch });
    const started = performance.now();
    expectUnavailable(await refusal(verifier.verify(await token())));
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('static issuer + jwksUri keep working with discovery down', async () => {
    fake.script.discoveryStatus = 503;
    const verifier = createVerifier(
      { issuer: fake.issuer, jwksUri: fake.jwksUri, audience: API, fetch: tracker.fetch },
      clocks.internals,
    );
    await expect(verifier.verify(await token())).resolves.toMatchObject({ issuer: fake.issuer });
    expect(fake.counts).toEqual({ discovery: 0, jwks: 1, other: 0 });
  });
});

describe('key rotation', () => {
  it('k2 published and used after the cooldown → exactly one refetch, then later k2 tokens fetch nothing', async () => {
    const verifier = makeVerifier();
    await warm(verifier);
    fake.script.jwks = { keys: [k1.jwk, k2.jwk, e1.jwk] };
    clocks.mono += COOLDOWN;
    await expect(verifier.verify(await token(k2))).resolves.toMatchObject({ subject: 'user-1' });
    expect(fake.counts).toEqual({ discovery: 1, jwks: 2, other: 0 });
    for (let i = 0; i < 20; i++) {
      clocks.mono += 1_000;
      await expect(verifier.verify(await token(k2, { sub: `user-${i}` }))).resolves.toBeDefined();
    }
    await expect(verifier.verify(await token(k1))).resolves.toBeDefined();
    expect(fake.counts).toEqual({ discovery: 1, jwks: 2, other: 0 });
  });

  it('concurrent first k2 tokens after the cooldown share the single refetch', async () => {
    const verifier = makeVerifier();
    await warm(verifier);
    fake.script.jwks = { keys: [k1.jwk, k2.jwk] };
    clocks.mono += COOLDOWN;
    const tokens = await Promise.all(Array.from({ length: 30 }, (_, i) => token(k2, { sub: `user-${i}` })));
    await Promise.all(tokens.map((t) => expect(verifier.verify(t)).resolves.toBeDefined()));
    expect(fake.counts.jwks).toBe(2);
  });

  it('a k2 token within the cooldown → 401 key_unknown without a fetch; after it → accepted (pre-publish keys!)', async () => {
    // Documented behaviour: a key used less than `cooldown` after the last fetch is unknown until the
    // cooldown ends. The tenant must publish a key in its JWKS well before signing with it.
    const verifier = makeVerifier();
    await warm(verifier);
    fake.script.jwks = { keys: [k1.jwk, k2.jwk] };
    clocks.mono += 5_000;
    const k2Token = await token(k2);
    const error = await refusal(verifier.verify(k2Token));
    expect({ status: error.status, reason: error.reason }).toEqual({ status: 401, reason: 'key_unknown' });
    expect(fake.counts.jwks).toBe(1);
    clocks.mono += COOLDOWN - 5_000;
    await expect(verifier.verify(k2Token)).resolves.toBeDefined();
    expect(fake.counts.jwks).toBe(2);
  });

  it('tenant down, 10 waves of 50 concurrent unknown kids after the cooldown → ≤ 1 fetch per wave, backed off', async () => {
    const verifier = makeVerifier();
    await warm(verifier);
    fake.script.jwksStatus = 503;
    clocks.mono += COOLDOWN;
    const perWave: number[] = [];
    for (let wave = 0; wave < 10; wave++) {
      const before = fake.counts.jwks;
      const errors = await Promise.all(randomKidTokens(50).map((t) => refusal(verifier.verify(t))));
      // Keys are cached and fresh: an unknown kid is a verdict on the token, 401.
      expect(new Set(errors.map((e) => `${e.status} ${e.reason}`))).toEqual(new Set(['401 key_unknown']));
      await tracker.idle();
      perWave.push(fake.counts.jwks - before);
      clocks.mono += 100;
    }
    expect(Math.max(...perWave)).toBeLessThanOrEqual(1);
    // One second of waves; the backoff (≥ 500 ms, doubling) allows at most two attempts (jose: 5 per wave).
    expect(perWave.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2);
    // The known key is untouched.
    await expect(verifier.verify(await token())).resolves.toBeDefined();
  });
});

describe('JWKS and discovery hardening', () => {
  it('a 302 from the JWKS endpoint to the canary is not followed: canary 0 hits, 503', async () => {
    // The canary would serve the right key: following the redirect would "work", which is the danger.
    canary = await Canary.start({ keys: [k1.jwk] });
    fake.script.jwksRedirect = `${canary.url}/jwks.json`;
    const verifier = makeVerifier({ fetch: globalThis.fetch });
    expectUnavailable(await refusal(verifier.verify(await token())));
    expect(canary.hits).toBe(0);
    expect(fake.counts.jwks).toBe(1);
  });

  it('a 302 from the discovery endpoint is not followed either', async () => {
    canary = await Canary.start({ keys: [k1.jwk] });
    fake.script.discoveryRedirect = `${canary.url}/.well-known/openid-configuration`;
    const verifier = makeVerifier({ fetch: globalThis.fetch });
    expectUnavailable(await refusal(verifier.verify(await token())));
    expect(canary.hits).toBe(0);
    expect(fake.counts.jwks).toBe(0);
  });

  it.each([
    { name: 'declared by content-length', chunked: false, maxBodyBytes: 4_096, padding: 10_000 },
    { name: 'chunked, no content-length', chunked: true, maxBodyBytes: 4_096, padding: 10_000 },
    { name: 'default cap (256 KiB), chunked', chunked: true, maxBodyBytes: undefined, padding: 300_000 },
  ])('a JWKS larger than maxBodyBytes is refused ($name)', async ({ chunked, maxBodyBytes, padding }) => {
    fake.script.jwks = { keys: [k1.jwk], padding: 'x'.repeat(padding) };
    fake.script.chunked = chunked;
    const verifier = makeVerifier({
      fetch: globalThis.fetch,
      ...(maxBodyBytes ? { jwks: { maxBodyBytes } } : {}),
    });
    expectUnavailable(await refusal(verifier.verify(await token())));
    expect(fake.counts.jwks).toBe(1);
  });

  it('an oversized JWKS on a warm verifier leaves the cached keys in place', async () => {
    const verifier = makeVerifier({ fetch: globalThis.fetch, jwks: { maxBodyBytes: 4_096 } });
    await verifier.verify(await token());
    fake.script.jwks = { keys: [k1.jwk, k2.jwk], padding: 'x'.repeat(10_000) };
    fake.script.chunked = true;
    clocks.mono += COOLDOWN;
    const error = await refusal(verifier.verify(await token(k2)));
    expect(error.reason).toBe('key_unknown');
    expect(fake.counts.jwks).toBe(2);
    await expect(verifier.verify(await token(k1))).resolves.toBeDefined();
  });

  it('keys with private members, oct keys, use:enc and encrypt-only key_ops are ignored', async () => {
    const k3 = rsaKey('k3');
    fake.script.jwks = {
      keys: [
        { ...k1.privateKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' },
        { kty: 'oct', kid: 'o1', k: Buffer.from('secret').toString('base64url'), alg: 'HS256' },
        { ...k2.jwk, use: 'enc' },
        { ...k3.jwk, use: undefined, key_ops: ['encrypt'] },
        e1.jwk,
      ],
    };
    const verifier = makeVerifier({ tokenSigningAlg: ['RS256', 'ES256'] });
    const es = forge({ alg: 'ES256', kid: 'e1', typ: 'at+jwt' }, claimsOf(await token()), (input) =>
      rawSignature('ES256', e1.privateKey, input),
    );
    await expect(verifier.verify(es)).resolves.toMatchObject({ subject: 'user-1' });
    for (const key of [k1, k2, k3]) {
      const error = await refusal(verifier.verify(await token(key)));
      expect(error.reason).toBe('key_unknown');
    }
    expect(fake.counts).toEqual({ discovery: 1, jwks: 1, other: 0 });
  });

  it('a JWKS with no usable key at all → 503 on a cold start', async () => {
    fake.script.jwks = {
      keys: [
        { kty: 'oct', kid: 'o1', k: Buffer.from('secret').toString('base64url') },
        { ...k1.privateKey.export({ format: 'jwk' }), kid: 'k1' },
      ],
    };
    expectUnavailable(await refusal(makeVerifier().verify(await token())));
  });

  it.each([
    { name: 'JWKS 500', script: { jwksStatus: 500 } },
    { name: 'JWKS 404', script: { jwksStatus: 404 } },
    { name: 'JWKS 204-like empty 200', script: { jwks: '' } },
    { name: 'JWKS not JSON', script: { jwks: '<html>maintenance</html>' } },
    { name: 'JWKS without a keys array', script: { jwks: { keys: { k1: k1.jwk } } } },
    { name: 'discovery 500', script: { discoveryStatus: 500 } },
    { name: 'discovery without jwks_uri', script: { discovery: { jwks_uri: undefined } } },
    { name: 'connection reset', script: { mode: 'reset' as const } },
  ])('cold start with $name → 503 ERR_KEYS_UNAVAILABLE', async ({ script }) => {
    Object.assign(fake.script, script);
    expectUnavailable(await refusal(makeVerifier().verify(await token())));
  });

  it('a warm verifier keeps its keys when the tenant starts answering garbage', async () => {
    const verifier = makeVerifier();
    await warm(verifier);
    fake.script.jwks = '<html>maintenance</html>';
    clocks.mono += CACHE_MAX_AGE + 1;
    await expect(verifier.verify(await token())).resolves.toBeDefined();
    await tracker.idle();
    expect(fake.counts.jwks).toBe(2);
    await expect(verifier.verify(await token())).resolves.toBeDefined();
  });

  it('discovery naming another issuer → refused (503), the JWKS is never fetched', async () => {
    fake.script.discovery = { issuer: 'https://evil.example/' };
    const verifier = makeVerifier();
    const error = await refusal(verifier.verify(await token(k1, { iss: 'https://evil.example/' })));
    expectUnavailable(error);
    expect(fake.counts).toEqual({ discovery: 1, jwks: 0, other: 0 });
  });

  it('a discovery document naming a plain-http, non-loopback jwks_uri is refused (no request to it)', async () => {
    const requested: string[] = [];
    const discoveryUrl = 'https://tenant.example.test/.well-known/openid-configuration';
    const attackerJwks = 'http://jwks.attacker.example/jwks.json';
    const fakeFetch = (async (input: string | URL | Request) => {
      const url = String(input instanceof Request ? input.url : input);
      requested.push(url);
      if (url === discoveryUrl) {
        return Response.json({ issuer: 'https://tenant.example.test/', jwks_uri: attackerJwks });
      }
      return Response.json({ keys: [k1.jwk] });
    }) as typeof fetch;
    const verifier = createVerifier(
      { issuerBaseURL: 'https://tenant.example.test/', audience: API, fetch: fakeFetch },
      clocks.internals,
    );
    const forged = await signJwt(k1, {
      iss: 'https://tenant.example.test/',
      sub: 'user-1',
      aud: API,
      iat: clocks.wall,
      exp: clocks.wall + 60,
    });
    const error = await refusal(verifier.verify(forged));
    expect(error.code).toBe('ERR_KEYS_UNAVAILABLE');
    expect(requested).not.toContain(attackerJwks);
  });

  it('50 concurrent first requests on a cold verifier → exactly 1 discovery + 1 JWKS request (single-flight)', async () => {
    const verifier = makeVerifier({ fetch: globalThis.fetch });
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => token(k1, { sub: `user-${i}` })));
    const results = await Promise.all(tokens.map((t) => verifier.verify(t)));
    expect(results.map((r) => r.subject)).toEqual(tokens.map((_, i) => `user-${i}`));
    expect(fake.counts).toEqual({ discovery: 1, jwks: 1, other: 0 });
    expect(verifier.stats.jwksFetches).toBe(2);
  });

  it('a hanging background refresh does not hold up requests with a known kid', async () => {
    const verifier = makeVerifier({ fetch: globalThis.fetch, jwks: { timeout: 60_000 } });
    await verifier.verify(await token());
    fake.script.mode = 'hang';
    clocks.mono += CACHE_MAX_AGE * 0.8 + 1; // background refresh point
    await expect(verifier.verify(await token())).resolves.toBeDefined();
    // The refresh is still outstanding at the tenant, yet requests keep being answered.
    await waitFor(() => fake.pending === 1);
    for (let i = 0; i < 10; i++) await expect(verifier.verify(await token())).resolves.toBeDefined();
    expect(fake.pending).toBe(1);
    expect(fake.counts.jwks).toBe(2);
  });

  it('the wall clock jumping an hour ahead causes no refetch; token times follow the wall clock', async () => {
    const verifier = makeVerifier();
    await warm(verifier);
    const shortLived = await token(k1, { exp: clocks.wall + 600 });
    clocks.wall += 3_600; // NTP step: the monotonic key clock does not move
    const error = await refusal(verifier.verify(shortLived));
    expect(error.reason).toBe('expired');
    await expect(verifier.verify(await token())).resolves.toBeDefined();
    await tracker.idle();
    expect(fake.counts).toEqual({ discovery: 1, jwks: 1, other: 0 });
  });
});

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Bounded wait for a condition driven by I/O (the fake tenant receiving a request). */
async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not reached in time');
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
