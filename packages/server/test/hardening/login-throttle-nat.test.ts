import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureThrottle } from '../../src/http/failure-throttle.ts';
import type { Tenant } from '../../src/index.ts';
import { ALICE, BOB, startTenant } from '../security/helpers.ts';
import { NetworkClient } from './network-client.ts';

/**
 * Many people behind one NAT share an IP. Suspicious-IP throttling (100 failed logins per IP, refilled
 * over a day, as Auth0's default) must stop that IP from trying fresh accounts, but must not refuse an
 * owner whose login from that IP is known to be good: the choice documented in failure-throttle.ts.
 */
describe('FailureThrottle (injected clock)', () => {
  const ip = '192.0.2.1';

  it('an empty IP bucket refuses new identifiers but not one that succeeded from that IP', async () => {
    let now = 0;
    const throttle = new FailureThrottle({ ipBurst: 3, knownForMs: 1_000, now: () => now });
    await throttle.recordSuccess('owner', ip);
    for (const victim of ['a', 'b', 'c']) await throttle.recordFailure(victim, ip);
    expect(await throttle.check('fresh', ip)).toMatchObject({ allowed: false, reason: 'throttled' });
    expect(await throttle.check('OWNER', ip)).toEqual({ allowed: true });
    // Known from this IP only: the same identifier elsewhere is judged by that IP's bucket.
    expect(await throttle.check('owner', '192.0.2.2')).toEqual({ allowed: true });
    // The memory of a good login fades.
    now += 1_000;
    expect(await throttle.check('owner', ip)).toMatchObject({ allowed: false, reason: 'throttled' });
  });

  it('a known identifier still has its own per-(identifier, IP) block', async () => {
    const throttle = new FailureThrottle({ ipBurst: 1, maxAttempts: 2 });
    await throttle.recordSuccess('owner', ip);
    await throttle.recordFailure('owner', ip);
    await throttle.recordFailure('owner', ip);
    expect(await throttle.check('owner', ip)).toMatchObject({ allowed: false, reason: 'blocked' });
  });
});

describe('login behind a NAT (127.0.0.3)', () => {
  let tenant: Tenant;
  let issuer: string;
  beforeAll(async () => {
    tenant = await startTenant();
    issuer = tenant.issuer;
  });
  afterAll(() => tenant?.close());

  it("100 failures for other accounts: the owner's correct password still succeeds; new accounts are refused", async () => {
    const owner = new NetworkClient('127.0.0.3');
    expect(await owner.login(await owner.openLoginPage(issuer), ALICE.username, ALICE.password)).toBe(303);

    const guesser = new NetworkClient('127.0.0.3');
    const page = await guesser.openLoginPage(issuer);
    // In batches: each attempt costs a password hash, whether or not the account exists.
    for (let batch = 0; batch < 10; batch++) {
      const statuses = await Promise.all(
        Array.from({ length: 10 }, (_, i) => guesser.login(page, `user${batch * 10 + i}@example.test`, 'guess')),
      );
      expect(statuses.every((status) => status === 400)).toBe(true);
    }
    // The IP's budget is spent: a fresh account cannot be tried, even with its right password (no oracle).
    expect(await guesser.login(page, 'user100@example.test', 'guess')).toBe(429);
    expect(await guesser.login(page, BOB.username, BOB.password)).toBe(429);

    const later = new NetworkClient('127.0.0.3');
    expect(await later.login(await later.openLoginPage(issuer), ALICE.username, ALICE.password)).toBe(303);
  });
});
