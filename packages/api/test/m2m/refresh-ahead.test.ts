import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createM2MClient, type M2MClient, type M2MClientOptions, type M2MEvent } from '../../src/m2m/index.ts';
import { type FakeTokenEndpoint, startFakeTokenEndpoint, tokenBody } from './support/fake-token-endpoint.ts';
import { eventWaiter, type ManualClock, manualClock, recordingSleep } from './support/test-time.ts';

const CATALOG = { audience: 'https://catalog.example.test', scope: 'read:catalog' };
const S = 1000;

let endpoint: FakeTokenEndpoint;
let clock: ManualClock;
let events: ReturnType<typeof eventWaiter<M2MEvent>>;
const clients: M2MClient[] = [];

function client(options: Partial<M2MClientOptions> = {}): M2MClient {
  const created = createM2MClient({
    issuerBaseURL: endpoint.issuer,
    clientId: 'svc',
    clientSecret: 'refresh-test-secret-0123456789',
    clock,
    random: () => 0,
    sleep: recordingSleep().sleep,
    onEvent: events.onEvent,
    ...options,
  });
  clients.push(created);
  return created;
}

beforeEach(async () => {
  endpoint = await startFakeTokenEndpoint();
  clock = manualClock();
  events = eventWaiter<M2MEvent>();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await endpoint.close();
});

describe('refresh ahead of expiry, in the background', () => {
  it('expires_in=3600, at t=3300 s a background refresh starts; callers keep the old token without waiting; then the new one is swapped in', async () => {
    const m2m = client();
    expect((await m2m.getToken(CATALOG)).accessToken).toBe('token-1');

    // random() = 0: the refresh point is exactly max(30 s, 10 % of 3600 s) = 360 s before expiry (t = 3240 s).
    clock.advance(3239 * S);
    expect((await m2m.getToken(CATALOG)).accessToken).toBe('token-1');
    expect(endpoint.requests).toHaveLength(1);

    let release!: () => void;
    endpoint.reply({ hold: new Promise<void>((resolve) => (release = resolve)) });
    clock.set(clock.now() + 61 * S); // t = 3300 s
    expect((await m2m.getToken(CATALOG)).accessToken).toBe('token-1');
    await endpoint.received(2);
    // While the refresh is in flight, callers are served at once, and no second refresh starts.
    const during = await Promise.all(Array.from({ length: 10 }, () => m2m.getToken(CATALOG)));
    expect(during.every((t) => t.accessToken === 'token-1')).toBe(true);
    expect(endpoint.requests).toHaveLength(2);

    const swapped = events.next((e) => e.type === 'token_received');
    release();
    await swapped;
    const after = await m2m.getToken(CATALOG);
    expect(after.accessToken).toBe('token-2');
    expect(after.expiresAt).toBe(clock.now() + 3600 * S);
    expect(endpoint.requests).toHaveLength(2);
    expect(events.events.filter((e) => e.type === 'token_refresh_ahead')).toHaveLength(1);
  });

  it('the refresh point is jittered per token so instances do not refresh in lock-step', async () => {
    const early = client({ clientId: 'early', random: () => 0.999 });
    const late = client({ clientId: 'late', random: () => 0 });
    await early.getToken(CATALOG);
    await late.getToken(CATALOG);
    // jitter 0.5: `early` refreshes up to 1.5 × 360 s = 540 s before expiry (t ≈ 3060 s), `late` at t = 3240 s.
    clock.advance(3100 * S);
    const refreshed = events.next((e) => e.type === 'token_received');
    await early.getToken(CATALOG);
    await late.getToken(CATALOG);
    expect((await refreshed).clientId).toBe('early');
    expect(endpoint.requests.map((r) => r.form.get('client_id'))).toEqual(['early', 'late', 'early']);
  });

  it('refreshAhead: false → no background refresh; a new token is requested at the hard expiry (5 s margin)', async () => {
    const m2m = client({ refreshAhead: false });
    await m2m.getToken(CATALOG);
    clock.advance(3594 * S);
    expect((await m2m.getToken(CATALOG)).accessToken).toBe('token-1');
    expect(endpoint.requests).toHaveLength(1);
    clock.advance(1 * S); // t = 3595 s: inside the 5 s margin
    expect((await m2m.getToken(CATALOG)).accessToken).toBe('token-2');
  });

  it('a very short lifetime stays usable (margin and window shrink with it) and is not re-requested on every call', async () => {
    endpoint.reply({ body: tokenBody('short', { expires_in: 4 }) });
    const m2m = client();
    await m2m.getToken(CATALOG);
    clock.advance(500);
    expect((await m2m.getToken(CATALOG)).accessToken).toBe('short');
    expect((await m2m.getToken(CATALOG)).accessToken).toBe('short');
    expect(endpoint.requests).toHaveLength(1);
  });
});

describe('a failed refresh keeps the valid token in service', () => {
  it('refresh-ahead gets 503s → the current token is served until hard expiry, refresh retried later, then the error surfaces', async () => {
    const m2m = client();
    await m2m.getToken(CATALOG);
    endpoint.fallback = () => ({ status: 503, body: { error: 'temporarily_unavailable' } });

    clock.advance(3300 * S);
    let failed = events.next((e) => e.type === 'token_refresh_failed');
    expect((await m2m.getToken(CATALOG)).accessToken).toBe('token-1');
    expect(await failed).toMatchObject({ code: 'ERR_M2M_TOKEN_REQUEST_FAILED' });
    expect(endpoint.requests).toHaveLength(1 + 4); // the refresh itself retried 3 times

    // Not on every call: the next attempt waits a quarter of the remaining time (capped at 30 s).
    expect((await m2m.getToken(CATALOG)).accessToken).toBe('token-1');
    expect(endpoint.requests).toHaveLength(5);
    clock.advance(31 * S);
    failed = events.next((e) => e.type === 'token_refresh_failed');
    expect((await m2m.getToken(CATALOG)).accessToken).toBe('token-1');
    await failed;
    expect(endpoint.requests).toHaveLength(9);

    clock.set(clock.now() + (3595 - 3331) * S); // hard expiry: no valid token is left to serve
    await expect(m2m.getToken(CATALOG)).rejects.toMatchObject({ code: 'ERR_M2M_TOKEN_REQUEST_FAILED', status: 503 });

    endpoint.fallback = (_request, n) => ({ body: tokenBody(`token-${n}`) });
    expect((await m2m.getToken(CATALOG)).accessToken).toBe('token-14');
  });
});

describe('expiry from expires_in, not from the JWT', () => {
  const jwt = (payload: Record<string, unknown>) =>
    [{ alg: 'RS256', typ: 'at+jwt' }, payload, 'signature']
      .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
      .join('.');

  it('local clock 10 min behind the tenant (exp looks far away): refresh and expiry still on time', async () => {
    const tenantNowS = clock.now() / 1000 + 600;
    endpoint.reply({ body: tokenBody(jwt({ exp: tenantNowS + 3600, iat: tenantNowS }), { expires_in: 3600 }) });
    const m2m = client();
    const token = await m2m.getToken(CATALOG);
    expect(token.expiresAt).toBe(clock.now() + 3600 * S);

    clock.advance(3300 * S);
    const refreshed = events.next((e) => e.type === 'token_received');
    await m2m.getToken(CATALOG);
    await refreshed;
    expect(endpoint.requests).toHaveLength(2);
  });

  it('local clock ahead of the tenant (exp looks past): the token is still used for its expires_in', async () => {
    const tenantNowS = clock.now() / 1000 - 7200;
    endpoint.reply({ body: tokenBody(jwt({ exp: tenantNowS + 3600, iat: tenantNowS }), { expires_in: 3600 }) });
    const m2m = client();
    const token = await m2m.getToken(CATALOG);
    clock.advance(1800 * S);
    expect(await m2m.getToken(CATALOG)).toEqual(token);
    expect(endpoint.requests).toHaveLength(1);
  });
});
