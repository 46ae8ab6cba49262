import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Tenant } from '../../src/index.ts';
import { DEFAULT_RATE_LIMIT, rateLimitKey } from '../../src/management/rate-limit.ts';
import { managementApiIdentifier } from '../../src/tenant/management-api.ts';
import { api, managementToken, READER, startManagementTenant } from '../management/support.ts';
import { userAccessToken } from '../management/user-login.ts';
import { ALICE, BOB } from '../security/helpers.ts';

/**
 * Management API rate-limit buckets: per client for M2M tokens (every token of the client shares one),
 * per (client, user) for users' own tokens, so one user of an SPA cannot use up its other users' budget.
 */
let tenant: Tenant;
let issuer: string;

beforeAll(async () => {
  tenant = await startManagementTenant();
  issuer = tenant.issuer;
});
afterAll(() => tenant?.close());

const idOf = (email: string) => encodeURIComponent(tenant.users.find((u) => u.email === email)?.user_id ?? '');

/** Sends more requests than the burst at once; returns how many were refused with 429. */
async function exhaust(token: string, path: string): Promise<number> {
  const replies = await Promise.all(
    Array.from({ length: DEFAULT_RATE_LIMIT.burst + 20 }, () => api(issuer, 'GET', path, { token })),
  );
  return replies.filter((reply) => reply.status === 429).length;
}

it('keys: an M2M caller by client, a user by (client, user), no caller by IP; no two collide', () => {
  const keys = [
    rateLimitKey({ id: 'spa' }, '127.0.0.1'),
    rateLimitKey({ id: 'spa', user: 'auth0|a' }, '127.0.0.1'),
    rateLimitKey({ id: 'spa', user: 'auth0|b' }, '127.0.0.1'),
    rateLimitKey(undefined, '127.0.0.1'),
    rateLimitKey({ id: 'spa auth0|a' }, '127.0.0.1'),
  ];
  expect(new Set(keys).size).toBe(keys.length);
  expect(rateLimitKey({ id: 'spa', user: 'auth0|a' }, '127.0.0.1')).toBe(
    rateLimitKey({ id: 'spa', user: 'auth0|a' }, '10.0.0.1'),
  );
});

it("a user who exhausts their bucket does not exhaust another user's at the same client", async () => {
  const audience = managementApiIdentifier(issuer);
  const alice = await userAccessToken(issuer, ALICE, audience, 'openid read:current_user');
  const bob = await userAccessToken(issuer, BOB, audience, 'openid read:current_user');
  expect(await exhaust(alice, `/users/${idOf(ALICE.username)}`)).toBeGreaterThan(0);
  const bobReply = await api(issuer, 'GET', `/users/${idOf(BOB.username)}`, { token: bob });
  expect(bobReply.status).toBe(200);
  expect(Number(bobReply.headers.get('x-ratelimit-remaining'))).toBe(DEFAULT_RATE_LIMIT.burst - 1);
});

it('every token of one M2M client shares the client bucket', async () => {
  const first = await managementToken(issuer, READER);
  const second = await managementToken(issuer, READER);
  expect(await exhaust(first, '/client-grants')).toBeGreaterThan(0);
  // The second token starts from what the first left (a few requests refill per second), not a full bucket.
  const other = await api(issuer, 'GET', '/client-grants', { token: second });
  expect(Number(other.headers.get('x-ratelimit-remaining'))).toBeLessThan(DEFAULT_RATE_LIMIT.burst / 2);
});
