import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { DEFAULT_RATE_LIMIT, RateLimiter } from '../../src/management/rate-limit.ts';
import { ADMIN, api, errorBody, managementToken, READER, startManagementTenant } from './support.ts';

/**
 * docs/security.md, "Management API": a token bucket per calling client; beyond the burst, 429 with Auth0's headers
 * (`X-RateLimit-Limit/Remaining/Reset`) and `Retry-After`. Other clients keep their own budget.
 */
let tenant: Tenant;

beforeAll(async () => {
  tenant = await startManagementTenant();
});
afterAll(() => tenant?.close());

it('a burst beyond the limit → 429 with Retry-After and Auth0 headers; other callers are unaffected', async () => {
  const reader = await managementToken(tenant.issuer, READER);
  const admin = await managementToken(tenant.issuer, ADMIN);
  const burst = DEFAULT_RATE_LIMIT.burst + 20;
  const replies = await Promise.all(
    Array.from({ length: burst }, () => api(tenant.issuer, 'GET', '/client-grants', { token: reader })),
  );
  const refused = replies.filter((r) => r.status === 429);
  const served = replies.filter((r) => r.status === 200);
  expect(served.length).toBeGreaterThanOrEqual(DEFAULT_RATE_LIMIT.burst);
  expect(refused.length).toBeGreaterThan(0);
  const [first] = refused;
  expect(first?.json).toEqual(errorBody(429, 'Global limit has been reached', 'too_many_requests'));
  expect(first?.headers.get('x-ratelimit-limit')).toBe(String(DEFAULT_RATE_LIMIT.burst));
  expect(first?.headers.get('x-ratelimit-remaining')).toBe('0');
  const retryAfter = Number(first?.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  const reset = Number(first?.headers.get('x-ratelimit-reset'));
  expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
  expect(reset).toBeLessThanOrEqual(
    Math.ceil(Date.now() / 1000) + Math.ceil(DEFAULT_RATE_LIMIT.burst / DEFAULT_RATE_LIMIT.refillPerSecond) + 1,
  );

  const other = await api(tenant.issuer, 'GET', '/client-grants', { token: admin });
  expect(other.status).toBe(200);
  expect(Number(other.headers.get('x-ratelimit-remaining'))).toBe(DEFAULT_RATE_LIMIT.burst - 1);
});

it('the bucket refills at its rate: after Retry-After seconds the caller is served again (injected clock)', async () => {
  let now = 1_000_000;
  const limiter = new RateLimiter({ ...DEFAULT_RATE_LIMIT, now: () => now });
  for (let i = 0; i < DEFAULT_RATE_LIMIT.burst; i++) expect((await limiter.take('client a')).allowed).toBe(true);
  const refused = await limiter.take('client a');
  expect(refused.allowed).toBe(false);
  const retryAfter = Number(refused.headers['Retry-After']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  now += retryAfter * 1000;
  expect((await limiter.take('client a')).allowed).toBe(true);
  expect((await limiter.take('client b')).allowed).toBe(true);
});
