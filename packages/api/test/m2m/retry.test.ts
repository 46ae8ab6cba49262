import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createM2MClient, type M2MClient, type M2MClientOptions, type M2MEvent } from '../../src/m2m/index.ts';
import { type FakeTokenEndpoint, startFakeTokenEndpoint } from './support/fake-token-endpoint.ts';
import { eventWaiter, type ManualClock, manualClock, recordingSleep } from './support/test-time.ts';

const CATALOG = { audience: 'https://catalog.example.test' };
const RATE_LIMITED = {
  status: 429,
  body: { error: 'too_many_attempts', error_description: 'Global limit has been reached' },
};
const UNAVAILABLE = { status: 503, body: { error: 'temporarily_unavailable' } };

let endpoint: FakeTokenEndpoint;
let clock: ManualClock;
let sleeps: ReturnType<typeof recordingSleep>;
const clients: M2MClient[] = [];

function client(options: Partial<M2MClientOptions> = {}): M2MClient {
  const created = createM2MClient({
    issuerBaseURL: endpoint.issuer,
    clientId: 'svc',
    clientSecret: 'retry-test-secret-0123456789',
    clock,
    sleep: sleeps.sleep,
    ...options,
  });
  clients.push(created);
  return created;
}

beforeEach(async () => {
  endpoint = await startFakeTokenEndpoint();
  clock = manualClock();
  sleeps = recordingSleep();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await endpoint.close();
});

describe('Retry-After is honoured', () => {
  it('429 with Retry-After: 3, then 200 → waits exactly 3000 ms, succeeds, 2 requests', async () => {
    endpoint.reply({ ...RATE_LIMITED, headers: { 'retry-after': '3' } });
    expect((await client().getToken(CATALOG)).accessToken).toBe('token-2');
    expect(sleeps.delays).toEqual([3000]);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('Retry-After: 2 → the computed delay is 2000 ms (no jitter added to the tenant’s wait)', async () => {
    endpoint.reply({ ...RATE_LIMITED, headers: { 'retry-after': '2' } });
    await client({ random: () => 0.99 }).getToken(CATALOG);
    expect(sleeps.delays).toEqual([2000]);
  });

  it('measured with the real clock: Retry-After: 1 → the second request arrives ≥ 1000 ms after the first', async () => {
    endpoint.reply({ ...RATE_LIMITED, headers: { 'retry-after': '1' } });
    const real = client({ clock: undefined, sleep: undefined });
    expect((await real.getToken(CATALOG)).accessToken).toBe('token-2');
    const [first, second] = endpoint.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
  });

  it('Retry-After as an HTTP-date → the delay is computed from the date', async () => {
    endpoint.reply({ ...RATE_LIMITED, headers: { 'retry-after': new Date(clock.now() + 12_000).toUTCString() } });
    await client().getToken(CATALOG);
    expect(sleeps.delays).toEqual([12_000]);
  });

  it('Retry-After: Wed, 21 Oct 2026 07:28:00 GMT, two hours ahead → capped at 60 s', async () => {
    clock.set(Date.parse('Wed, 21 Oct 2026 05:28:00 GMT'));
    endpoint.reply({ ...RATE_LIMITED, headers: { 'retry-after': 'Wed, 21 Oct 2026 07:28:00 GMT' } });
    await client({ retry: { deadlineMs: 120_000 } }).getToken(CATALOG);
    expect(sleeps.delays).toEqual([60_000]);
  });

  it('a wait beyond the deadline fails fast with ERR_M2M_RATE_LIMITED carrying retryAfter (1 request, no sleep)', async () => {
    endpoint.reply({ ...RATE_LIMITED, headers: { 'retry-after': '40' } });
    const error = await client()
      .getToken(CATALOG)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'ERR_M2M_RATE_LIMITED',
      retryAfter: 40,
      status: 429,
      oauthError: 'too_many_attempts',
    });
    expect((error as Error).message).toMatch(/retry\.deadlineMs \(15000 ms\)/);
    expect(endpoint.requests).toHaveLength(1);
    expect(sleeps.delays).toEqual([]);
  });

  it('429 without Retry-After uses Auth0’s X-RateLimit-Reset (epoch seconds)', async () => {
    const reset = Math.floor(clock.now() / 1000) + 4;
    endpoint.reply({ ...RATE_LIMITED, headers: { 'x-ratelimit-reset': String(reset) } });
    await client().getToken(CATALOG);
    expect(sleeps.delays).toEqual([reset * 1000 - clock.now()]);
  });

  it('429 on every attempt → ERR_M2M_RATE_LIMITED after 1 + 3 attempts', async () => {
    endpoint.fallback = () => ({ ...RATE_LIMITED, headers: { 'retry-after': '1' } });
    await expect(client().getToken(CATALOG)).rejects.toMatchObject({ code: 'ERR_M2M_RATE_LIMITED', retryAfter: 1 });
    expect(endpoint.requests).toHaveLength(4);
    expect(sleeps.delays).toEqual([1000, 1000, 1000]);
  });
});

describe('backoff with full jitter', () => {
  it('503 ×5 → 1 + 3 retries with growing delays, then a typed error', async () => {
    endpoint.fallback = () => UNAVAILABLE;
    const error = await client({ random: () => 0.999 })
      .getToken(CATALOG)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'ERR_M2M_TOKEN_REQUEST_FAILED',
      status: 503,
      oauthError: 'temporarily_unavailable',
    });
    expect((error as Error).message).toMatch(/after 4 attempts/);
    expect(endpoint.requests).toHaveLength(4);
    // Upper bounds 500, 1000, 2000 ms (base 500 × 2ⁿ).
    expect(sleeps.delays).toEqual([499, 999, 1998]);
  });

  it('20 clients with the default random source do not retry in lock-step', async () => {
    endpoint.fallback = () => UNAVAILABLE;
    const schedules: number[][] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const own = recordingSleep();
        schedules.push(own.delays);
        await client({ clientId: `svc-${i}`, sleep: own.sleep, random: undefined })
          .getToken(CATALOG)
          .catch(() => {});
      }),
    );
    expect(endpoint.requests).toHaveLength(80);
    for (const delays of schedules) {
      expect(delays).toHaveLength(3);
      delays.forEach((delay, n) => {
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(500 * 2 ** n);
      });
    }
    expect(new Set(schedules.map((d) => d.join(','))).size).toBe(20);
  });

  it('503 with Retry-After uses the tenant’s wait; 408 and 500 are retried too', async () => {
    endpoint.reply({ ...UNAVAILABLE, headers: { 'retry-after': '1' } }, { status: 408 }, { status: 500, body: 'oops' });
    expect((await client({ random: () => 0.5 }).getToken(CATALOG)).accessToken).toBe('token-4');
    expect(sleeps.delays).toEqual([1000, 500, 1000]);
  });

  it('a backoff that would pass the deadline is not waited for', async () => {
    endpoint.fallback = () => UNAVAILABLE;
    await expect(
      client({ random: () => 0.999, retry: { deadlineMs: 800, maxRetries: 5 } }).getToken(CATALOG),
    ).rejects.toMatchObject({ code: 'ERR_M2M_TOKEN_REQUEST_FAILED', message: /retry\.deadlineMs \(800 ms\)/ });
    expect(sleeps.delays).toEqual([499]);
  });

  it('maxRetries: 0 → one attempt only', async () => {
    endpoint.fallback = () => UNAVAILABLE;
    await expect(client({ retry: { maxRetries: 0 } }).getToken(CATALOG)).rejects.toMatchObject({ status: 503 });
    expect(endpoint.requests).toHaveLength(1);
  });
});

describe('network failures', () => {
  it('connection reset (ECONNRESET), then 200 → retried once, success', async () => {
    const events = eventWaiter<M2MEvent>();
    endpoint.reply({ reset: true });
    expect((await client({ onEvent: events.onEvent }).getToken(CATALOG)).accessToken).toBe('token-2');
    expect(endpoint.requests).toHaveLength(2);
    expect(events.events.filter((e) => e.type === 'token_retry')).toMatchObject([{ attempt: 1, reason: 'ECONNRESET' }]);
  });

  it('a connection closed without an answer (UND_ERR_SOCKET) is retried', async () => {
    const events = eventWaiter<M2MEvent>();
    endpoint.reply({ close: true });
    expect((await client({ onEvent: events.onEvent }).getToken(CATALOG)).accessToken).toBe('token-2');
    expect(events.events.find((e) => e.type === 'token_retry')).toMatchObject({ reason: 'UND_ERR_SOCKET' });
  });

  it('ECONNREFUSED is retried by default (a restarting tenant) and fails fast with retryConnectionRefused: false', async () => {
    const issuerBaseURL = endpoint.issuer;
    await endpoint.close();
    await expect(client({ issuerBaseURL }).getToken(CATALOG)).rejects.toMatchObject({
      code: 'ERR_M2M_UNREACHABLE',
      message: /ECONNREFUSED.*after 4 attempts/,
    });
    expect(sleeps.delays).toHaveLength(3);
    sleeps.delays.length = 0;
    await expect(
      client({ issuerBaseURL, retry: { retryConnectionRefused: false } }).getToken(CATALOG),
    ).rejects.toMatchObject({ code: 'ERR_M2M_UNREACHABLE' });
    expect(sleeps.delays).toHaveLength(0);
    endpoint = await startFakeTokenEndpoint();
  });

  it('a DNS failure (ENOTFOUND) fails fast: retrying a wrong host name does not help', async () => {
    const fetchFails: typeof fetch = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('getaddrinfo ENOTFOUND tenant.invalid'), { code: 'ENOTFOUND' }),
      });
    };
    await expect(client({ fetch: fetchFails }).getToken(CATALOG)).rejects.toMatchObject({
      code: 'ERR_M2M_UNREACHABLE',
      message: /ENOTFOUND/,
    });
    expect(sleeps.delays).toHaveLength(0);
  });

  it('EPIPE and ECONNABORTED thrown by a custom fetch are retried', async () => {
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      if (calls === 2)
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('aborted'), { code: 'ECONNABORTED' }) });
      return fetch(input, init);
    };
    expect((await client({ fetch: flaky }).getToken(CATALOG)).accessToken).toBe('token-1');
    expect(calls).toBe(3);
  });

  it('a request that gets no answer within timeoutMs is aborted and retried', async () => {
    const events = eventWaiter<M2MEvent>();
    endpoint.reply({ hang: true });
    expect((await client({ timeoutMs: 200, onEvent: events.onEvent }).getToken(CATALOG)).accessToken).toBe('token-2');
    expect(events.events.find((e) => e.type === 'token_retry')).toMatchObject({ reason: 'timeout' });
  });

  it('timeouts on every attempt → ERR_M2M_UNREACHABLE naming the timeout', async () => {
    endpoint.fallback = () => ({ hang: true });
    await expect(client({ timeoutMs: 50, retry: { maxRetries: 1 } }).getToken(CATALOG)).rejects.toMatchObject({
      code: 'ERR_M2M_UNREACHABLE',
      message: /no answer within 50 ms \(timeoutMs\) after 2 attempts/,
    });
  });
});
