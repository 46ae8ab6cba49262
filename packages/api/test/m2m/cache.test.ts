import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createM2MClient, createMemoryTokenStore, type M2MClient } from '../../src/m2m/index.ts';
import { type FakeTokenEndpoint, startFakeTokenEndpoint } from './support/fake-token-endpoint.ts';
import { type ManualClock, manualClock } from './support/test-time.ts';

const SECRET = 'cache-test-secret-0123456789';
const CATALOG = 'https://catalog.example.test';
const ORDERS = 'https://orders.example.test';

let endpoint: FakeTokenEndpoint;
let clock: ManualClock;
let client: M2MClient;

beforeEach(async () => {
  endpoint = await startFakeTokenEndpoint();
  clock = manualClock();
  client = createM2MClient({ issuerBaseURL: endpoint.issuer, clientId: 'svc-a', clientSecret: SECRET, clock });
});
afterEach(async () => {
  await client.close();
  await endpoint.close();
});

describe('one token request per key', () => {
  it('100 concurrent getToken on a cold cache → exactly 1 token request, everyone gets the same token', async () => {
    let release!: () => void;
    endpoint.reply({ hold: new Promise<void>((resolve) => (release = resolve)) });
    const calls = Array.from({ length: 100 }, () => client.getToken({ audience: CATALOG, scope: 'read:catalog' }));
    // Hold the answer until the request has arrived, so all 100 callers are waiting on it.
    await endpoint.received(1);
    release();
    const tokens = await Promise.all(calls);
    expect(endpoint.requests).toHaveLength(1);
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set(['token-1']));
  });

  it('the request is a client_credentials form POST to <issuer>oauth/token with client_secret_post', async () => {
    await client.getToken({ audience: CATALOG, scope: 'read:catalog' });
    const [request] = endpoint.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/oauth/token');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(request?.form ?? [])).toEqual({
      grant_type: 'client_credentials',
      client_id: 'svc-a',
      client_secret: SECRET,
      audience: CATALOG,
      scope: 'read:catalog',
    });
  });

  it('without scope, no scope parameter is sent', async () => {
    await client.getToken({ audience: CATALOG });
    expect(endpoint.requests[0]?.form.has('scope')).toBe(false);
  });

  it('later calls are served from memory', async () => {
    const first = await client.getToken({ audience: CATALOG });
    clock.advance(60_000);
    const second = await client.getToken({ audience: CATALOG });
    expect(second).toEqual(first);
    expect(endpoint.requests).toHaveLength(1);
  });

  it('expiresAt = local time of the request + expires_in; scope is what the tenant granted', async () => {
    endpoint.reply({ body: { access_token: 'a', token_type: 'bearer', expires_in: 120, scope: 'read:catalog' } });
    const start = clock.now();
    expect(await client.getToken({ audience: CATALOG, scope: 'read:catalog' })).toEqual({
      accessToken: 'a',
      tokenType: 'Bearer',
      scope: 'read:catalog',
      expiresAt: start + 120_000,
    });
  });

  it('when the tenant does not echo scope, the token carries the requested (normalised) scope', async () => {
    endpoint.reply({ body: { access_token: 'a', token_type: 'Bearer', expires_in: 120 } });
    expect((await client.getToken({ audience: CATALOG, scope: 'b a' })).scope).toBe('a b');
  });
});

describe('cache keys', () => {
  it('two audiences and two scope sets get separate tokens, without cross-contamination', async () => {
    const catalogRead = await client.getToken({ audience: CATALOG, scope: 'read:catalog' });
    const catalogWrite = await client.getToken({ audience: CATALOG, scope: 'write:catalog' });
    const orders = await client.getToken({ audience: ORDERS, scope: 'read:catalog' });
    expect(new Set([catalogRead.accessToken, catalogWrite.accessToken, orders.accessToken]).size).toBe(3);
    expect(endpoint.requests.map((r) => [r.form.get('audience'), r.form.get('scope')])).toEqual([
      [CATALOG, 'read:catalog'],
      [CATALOG, 'write:catalog'],
      [ORDERS, 'read:catalog'],
    ]);
    // Each is still served from its own entry.
    expect(await client.getToken({ audience: ORDERS, scope: 'read:catalog' })).toEqual(orders);
    expect(await client.getToken({ audience: CATALOG, scope: 'write:catalog' })).toEqual(catalogWrite);
    expect(endpoint.requests).toHaveLength(3);
  });

  it('scope order, duplicates and string vs list do not matter; the sorted set is sent', async () => {
    const a = await client.getToken({ audience: CATALOG, scope: 'write:catalog read:catalog' });
    const b = await client.getToken({ audience: CATALOG, scope: ['read:catalog', 'write:catalog', 'read:catalog'] });
    const c = await client.getToken({ audience: CATALOG, scope: '  read:catalog   write:catalog ' });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(endpoint.requests).toHaveLength(1);
    expect(endpoint.requests[0]?.form.get('scope')).toBe('read:catalog write:catalog');
  });

  it('no scope and an empty scope are the same key', async () => {
    await client.getToken({ audience: CATALOG });
    await client.getToken({ audience: CATALOG, scope: '' });
    await client.getToken({ audience: CATALOG, scope: [] });
    expect(endpoint.requests).toHaveLength(1);
  });

  it('two clients (different client ids) never share a token, even on one store', async () => {
    const store = createMemoryTokenStore({ clock });
    const options = { issuerBaseURL: endpoint.issuer, clientSecret: SECRET, clock, store };
    const a = createM2MClient({ ...options, clientId: 'svc-a' });
    const b = createM2MClient({ ...options, clientId: 'svc-b' });
    expect((await a.getToken({ audience: CATALOG })).accessToken).toBe('token-1');
    expect((await b.getToken({ audience: CATALOG })).accessToken).toBe('token-2');
    expect(endpoint.requests.map((r) => r.form.get('client_id'))).toEqual(['svc-a', 'svc-b']);
    await Promise.all([a.close(), b.close()]);
  });

  it('a scope that is not a valid scope-token is refused before any request', async () => {
    await expect(client.getToken({ audience: CATALOG, scope: 'read:"x"' })).rejects.toMatchObject({
      code: 'ERR_OPTIONS_INVALID',
    });
    await expect(client.getToken({ audience: '' })).rejects.toThrow(/audience must be the API identifier/);
    expect(endpoint.requests).toHaveLength(0);
  });
});

describe('invalidate', () => {
  it('drops the cached token so the next call requests a new one; other keys are untouched', async () => {
    const first = await client.getToken({ audience: CATALOG, scope: 'read:catalog' });
    const orders = await client.getToken({ audience: ORDERS });
    await client.invalidate({ audience: CATALOG, scope: ['read:catalog'] });
    const second = await client.getToken({ audience: CATALOG, scope: 'read:catalog' });
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(await client.getToken({ audience: ORDERS })).toEqual(orders);
    expect(endpoint.requests).toHaveLength(3);
  });
});

describe('close', () => {
  it('aborts a request in flight and fails later calls', async () => {
    endpoint.reply({ hang: true });
    const pending = client.getToken({ audience: CATALOG });
    await endpoint.received(1);
    await client.close();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_M2M_TOKEN_REQUEST_FAILED', message: /closed/ });
    await expect(client.getToken({ audience: CATALOG })).rejects.toThrow(/closed/);
  });
});
