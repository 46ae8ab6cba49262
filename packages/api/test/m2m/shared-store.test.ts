import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createM2MClient,
  createMemoryTokenStore,
  type M2MClient,
  type M2MClientOptions,
  type M2MEvent,
  type TokenStore,
} from '../../src/m2m/index.ts';
import { type FakeTokenEndpoint, startFakeTokenEndpoint } from './support/fake-token-endpoint.ts';
import { describeStoreContract, entry } from './support/store-contract.ts';
import { eventWaiter, type ManualClock, manualClock } from './support/test-time.ts';

describeStoreContract(
  'memory',
  async () => {
    const clock = manualClock();
    const store = createMemoryTokenStore({ clock });
    return {
      store,
      peer: store,
      async expectTtl(kind, key, ttlMs) {
        clock.advance(ttlMs - 1);
        if (kind === 'token') expect(await store.get(key)).toBeDefined();
        else expect(await store.acquire(key, ttlMs)).toBe(false);
        clock.advance(1);
        if (kind === 'token') expect(await store.get(key)).toBeUndefined();
      },
      async expireLock() {},
    };
  },
  { ownsLocks: false },
);

const TARGET = { audience: 'https://catalog.example.test', scope: 'read:catalog' };
const API = 'https://api.example.test/products';

/** A fetch that is the API for {@link API} (401 invalid_token for `rejected`) and the network otherwise. */
function apiRejecting(rejected: string, seen: string[]): typeof fetch {
  return async (input, init) => {
    if (String(input) !== API) return fetch(input, init);
    const authorization = new Headers(init?.headers).get('authorization') ?? '';
    seen.push(authorization);
    return authorization === `Bearer ${rejected}`
      ? new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } })
      : new Response('ok');
  };
}

const CATALOG_KEY = (issuer: string) => JSON.stringify([`${issuer}oauth/token`, 'svc', TARGET.audience, TARGET.scope]);

let endpoint: FakeTokenEndpoint;
let clock: ManualClock;
let events: ReturnType<typeof eventWaiter<M2MEvent>>;
const clients: M2MClient[] = [];

/** A client as one instance of a service would have, on the shared `store`. */
function instance(store: TokenStore, options: Partial<M2MClientOptions> = {}): M2MClient {
  const created = createM2MClient({
    issuerBaseURL: endpoint.issuer,
    clientId: 'svc',
    clientSecret: 'shared-test-secret-0123456789',
    store,
    clock,
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

describe('instances sharing a store mint one token per key and lifetime', () => {
  it('the second instance takes the token from the store', async () => {
    const store = createMemoryTokenStore({ clock });
    const a = await instance(store).getToken(TARGET);
    const b = await instance(store).getToken(TARGET);
    expect(b).toEqual(a);
    expect(endpoint.requests).toHaveLength(1);
    expect(events.events.filter((e) => e.type === 'token_cache_hit').map((e) => 'source' in e && e.source)).toEqual([
      'store',
    ]);
  });

  it('concurrent cold instances: one takes the lock and requests, the other waits and gets the same token', async () => {
    const store = createMemoryTokenStore({ clock });
    let release!: () => void;
    endpoint.reply({ hold: new Promise<void>((resolve) => (release = resolve)) });
    const waiting = events.next((e) => e.type === 'token_store_wait');
    const a = instance(store).getToken(TARGET);
    const b = instance(store).getToken(TARGET);
    await waiting;
    release();
    expect((await a).accessToken).toBe('token-1');
    expect((await b).accessToken).toBe('token-1');
    expect(endpoint.requests).toHaveLength(1);
  });

  it('when the lock holder fails, a waiting instance takes the lock and requests itself', async () => {
    const store = createMemoryTokenStore({ clock });
    let release!: () => void;
    endpoint.reply({ status: 503, hold: new Promise<void>((resolve) => (release = resolve)) });
    const waiting = events.next((e) => e.type === 'token_store_wait');
    const options = { retry: { maxRetries: 0 } };
    const a = instance(store, options).getToken(TARGET);
    const b = instance(store, options).getToken(TARGET);
    await waiting;
    release();
    const results = await Promise.allSettled([a, b]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('the store keeps the entry until the token’s hard expiry (ttl = remaining lifetime − 5 s)', async () => {
    const store = createMemoryTokenStore({ clock });
    const ttls: number[] = [];
    const spy: TokenStore = {
      ...store,
      set: (key, value, ttlMs) => {
        ttls.push(ttlMs);
        return store.set(key, value, ttlMs);
      },
    };
    await instance(spy).getToken(TARGET);
    expect(ttls).toEqual([3_595_000]);
  });

  it('an entry inside the hard-expiry margin, a malformed entry or a foreign value is not used', async () => {
    const store = createMemoryTokenStore({ clock });
    const key = CATALOG_KEY(endpoint.issuer);
    await store.set(
      key,
      entry('almost-expired', { receivedAt: clock.now() - 3_596_000, expiresAt: clock.now() + 4_000 }),
      60_000,
    );
    expect((await instance(store).getToken(TARGET)).accessToken).toBe('token-1');
    await store.set(key, { accessToken: 'x', tokenType: 'mac' } as never, 60_000);
    expect((await instance(store).getToken(TARGET)).accessToken).toBe('token-2');
  });

  it('a store that fails never fails getToken: it costs only the coordination', async () => {
    const broken: TokenStore = {
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      delete: () => Promise.reject(new Error('down')),
      acquire: () => Promise.reject(new Error('down')),
      release: () => Promise.reject(new Error('down')),
    };
    const client = instance(broken);
    expect((await client.getToken(TARGET)).accessToken).toBe('token-1');
    expect((await client.getToken(TARGET)).accessToken).toBe('token-1');
    await client.invalidate(TARGET);
    expect(endpoint.requests).toHaveLength(1);
    const failures = events.events.filter((e) => e.type === 'store_error').map((e) => 'operation' in e && e.operation);
    expect(failures).toEqual(['get', 'acquire', 'set', 'delete']);
  });

  it('refresh-ahead: the first instance to reach its jittered refresh point refreshes; the other adopts the new token', async () => {
    const store = createMemoryTokenStore({ clock });
    const early = instance(store, { random: () => 0.999 });
    const late = instance(store, { random: () => 0 });
    await early.getToken(TARGET);
    await late.getToken(TARGET);
    clock.advance(3100_000);
    const refreshed = events.next((e) => e.type === 'token_received');
    await early.getToken(TARGET);
    await refreshed;
    clock.advance(200_000); // t = 3300 s: past `late`'s refresh point too
    const adopted = events.next((e) => e.type === 'token_cache_hit' && e.source === 'store');
    expect((await late.getToken(TARGET)).accessToken).toBe('token-1');
    await adopted;
    expect((await late.getToken(TARGET)).accessToken).toBe('token-2');
    expect(endpoint.requests).toHaveLength(2);
  });

  it('an API rejecting the token removes it from the store and gets a new one', async () => {
    const store = createMemoryTokenStore({ clock });
    const seen: string[] = [];
    const a = instance(store, { fetch: apiRejecting('token-1', seen) });
    await a.getToken(TARGET);
    expect((await a.fetch(API, undefined, TARGET)).status).toBe(200);
    expect(seen).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(await store.get(CATALOG_KEY(endpoint.issuer))).toMatchObject({ accessToken: 'token-2' });
  });

  it('…but a successor another instance already stored is kept and used, without a new request', async () => {
    const store = createMemoryTokenStore({ clock });
    const seen: string[] = [];
    const a = instance(store, { fetch: apiRejecting('token-1', seen) });
    await a.getToken(TARGET);
    const successor = entry('successor', { receivedAt: clock.now(), expiresAt: clock.now() + 3600_000 });
    await store.set(CATALOG_KEY(endpoint.issuer), successor, 60_000);
    expect((await a.fetch(API, undefined, TARGET)).status).toBe(200);
    expect(seen).toEqual(['Bearer token-1', 'Bearer successor']);
    expect(endpoint.requests).toHaveLength(1);
    expect(await store.get(CATALOG_KEY(endpoint.issuer))).toMatchObject({ accessToken: 'successor' });
  });
});
