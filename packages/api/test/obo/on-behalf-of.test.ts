import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createOnBehalfOfClient,
  M2MError,
  type OnBehalfOfClient,
  type OnBehalfOfClientOptions,
  OptionsError,
  type TokenStore,
} from '../../src/m2m/index.ts';
import { type FakeTokenEndpoint, startFakeTokenEndpoint, tokenBody } from '../m2m/support/fake-token-endpoint.ts';
import { type ManualClock, manualClock, recordingSleep } from '../m2m/support/test-time.ts';

const SECRET = 'orders-api-secret-0123456789abcdef';
const CATALOG = 'https://catalog.example.test';
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

let endpoint: FakeTokenEndpoint;
let clock: ManualClock;
const clients: OnBehalfOfClient[] = [];

/** A user's access token as the API received it: only its `exp` matters to the client (it does not verify it). */
function userToken(sub: string, expiresInS: number): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const exp = Math.floor(clock.now() / 1000) + expiresInS;
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub, aud: 'https://orders.example.test', exp })}.c2ln`;
}

function client(options: Partial<OnBehalfOfClientOptions> = {}): OnBehalfOfClient {
  const created = createOnBehalfOfClient({
    issuerBaseURL: endpoint.issuer,
    clientId: 'orders-api-client',
    clientSecret: SECRET,
    clock,
    ...options,
  });
  clients.push(created);
  return created;
}

beforeEach(async () => {
  endpoint = await startFakeTokenEndpoint();
  clock = manualClock();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await endpoint.close();
});

describe('the exchange request (RFC 8693 §2.1)', () => {
  it('is a token-exchange form POST with the user token as subject, the audience and the scope', async () => {
    const subject = userToken('auth0|alice', 600);
    const token = await client().getToken(subject, { audience: CATALOG, scope: 'read:prices' });
    expect(Object.fromEntries(endpoint.requests[0]?.form ?? [])).toEqual({
      grant_type: EXCHANGE,
      client_id: 'orders-api-client',
      client_secret: SECRET,
      subject_token: subject,
      subject_token_type: ACCESS_TOKEN_TYPE,
      audience: CATALOG,
      scope: 'read:prices',
    });
    expect(token).toEqual({
      accessToken: 'token-1',
      tokenType: 'Bearer',
      issuedTokenType: ACCESS_TOKEN_TYPE,
      scope: 'read:prices',
      expiresAt: clock.now() + 600_000,
    });
  });

  it('an empty subject token is refused before any request', async () => {
    await expect(client().getToken('', { audience: CATALOG })).rejects.toBeInstanceOf(OptionsError);
    expect(endpoint.requests).toHaveLength(0);
  });
});

describe('cache and single flight per (subject token, audience, scope)', () => {
  it('50 concurrent requests with one subject token → ONE exchange, everyone gets its token', async () => {
    let release!: () => void;
    endpoint.reply({ hold: new Promise<void>((resolve) => (release = resolve)) });
    const obo = client();
    const subject = userToken('auth0|alice', 3600);
    const calls = Array.from({ length: 50 }, (_, i) =>
      obo.getToken(subject, {
        audience: CATALOG,
        scope: i % 2 ? 'read:prices read:discounts' : ['read:discounts', 'read:prices'],
      }),
    );
    await endpoint.received(1);
    release();
    const tokens = await Promise.all(calls);
    expect(endpoint.requests).toHaveLength(1);
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set(['token-1']));
  });

  it('two users (two subject tokens) never share a token; a later call of the first user is served from memory', async () => {
    const obo = client();
    const alice = userToken('auth0|alice', 3600);
    const bob = userToken('auth0|bob', 3600);
    const first = await obo.getToken(alice, { audience: CATALOG });
    const second = await obo.getToken(bob, { audience: CATALOG });
    clock.advance(60_000);
    const again = await obo.getToken(alice, { audience: CATALOG });
    expect([first.accessToken, second.accessToken, again.accessToken]).toEqual(['token-1', 'token-2', 'token-1']);
    expect(endpoint.requests.map((r) => r.form.get('subject_token'))).toEqual([alice, bob]);
  });

  it('another audience or scope is another exchange', async () => {
    const obo = client();
    const subject = userToken('auth0|alice', 3600);
    await obo.getToken(subject, { audience: CATALOG, scope: 'read:prices' });
    await obo.getToken(subject, { audience: CATALOG, scope: 'read:discounts' });
    await obo.getToken(subject, { audience: 'https://inventory.example.test', scope: 'read:prices' });
    expect(endpoint.requests).toHaveLength(3);
  });
});

describe('lifetime: until shortly before the EARLIER expiry', () => {
  it('a user token expiring before the exchanged one caps it: no token is served past the user token', async () => {
    endpoint.reply({ body: tokenBody('exchanged', { expires_in: 3600 }) });
    const obo = client();
    const subject = userToken('auth0|alice', 120);
    const token = await obo.getToken(subject, { audience: CATALOG });
    expect(token.expiresAt).toBe(clock.now() + 120_000);
    clock.advance(114_000);
    expect((await obo.getToken(subject, { audience: CATALOG })).accessToken).toBe('exchanged');
    // Within the last 5 s of the user token: the cached token is no longer served, the tenant is asked again.
    clock.advance(2_000);
    expect((await obo.getToken(subject, { audience: CATALOG })).accessToken).toBe('token-2');
    expect(endpoint.requests).toHaveLength(2);
  });

  it('an exchanged token expiring before the user token is renewed at its own expiry', async () => {
    endpoint.reply({ body: tokenBody('short', { expires_in: 60 }) });
    const obo = client();
    const subject = userToken('auth0|alice', 3600);
    expect((await obo.getToken(subject, { audience: CATALOG })).expiresAt).toBe(clock.now() + 60_000);
    clock.advance(56_000);
    expect((await obo.getToken(subject, { audience: CATALOG })).accessToken).toBe('token-2');
  });
});

describe('the shared store never holds the user token', () => {
  it('keys carry a SHA-256 of the subject token, and a second instance on the store reuses the exchange', async () => {
    const memory = createMemoryTokenStore({ clock });
    const keys: string[] = [];
    const store: TokenStore = {
      get: (key) => memory.get(key),
      set: (key, entry, ttlMs) => {
        keys.push(key);
        return memory.set(key, entry, ttlMs);
      },
      delete: (key) => memory.delete(key),
      acquire: (key, ttlMs) => memory.acquire(key, ttlMs),
      release: (key) => memory.release(key),
    };
    const subject = userToken('auth0|alice', 3600);
    const first = await client({ store }).getToken(subject, { audience: CATALOG });
    const second = await client({ store }).getToken(subject, { audience: CATALOG });
    expect(second.accessToken).toBe(first.accessToken);
    expect(endpoint.requests).toHaveLength(1);
    expect(keys).toHaveLength(1);
    const [, , , , , hash] = JSON.parse(keys[0] ?? '[]') as string[];
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(keys[0]).not.toContain(subject);
    expect(keys[0]).not.toContain(subject.split('.')[1]);
  });
});

describe('retries and refusals', () => {
  it('a 503 is retried with backoff, as by the M2M client', async () => {
    const { sleep, delays } = recordingSleep();
    endpoint.reply({ status: 503, body: { error: 'temporarily_unavailable' } });
    const token = await client({ sleep, random: () => 0.5 }).getToken(userToken('auth0|alice', 600), {
      audience: CATALOG,
    });
    expect(token.accessToken).toBe('token-2');
    expect(delays).toEqual([250]);
  });

  it('a refused subject is an M2MError with the OAuth error, not retried, and the message never quotes the token', async () => {
    const subject = userToken('auth0|alice', 600);
    endpoint.reply({
      status: 400,
      body: { error: 'invalid_grant', error_description: `bad subject_token ${subject}` },
    });
    const error = await client()
      .getToken(subject, { audience: CATALOG })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(M2MError);
    expect(error).toMatchObject({ code: 'ERR_M2M_TOKEN_REQUEST_FAILED', oauthError: 'invalid_grant', status: 400 });
    expect((error as Error).message).not.toContain(subject);
    expect((error as Error).message).toContain('[redacted]');
    expect(endpoint.requests).toHaveLength(1);
  });
});

describe('fetch', () => {
  it('sends the exchanged token to the downstream API, and renews it once on 401 invalid_token', async () => {
    const seen: string[] = [];
    const api = 'http://127.0.0.1:1/prices/mine';
    const fetchThroughApi: typeof fetch = async (input, init) => {
      if (String(input) !== api) return fetch(input, init);
      const authorization = new Headers(init?.headers).get('authorization') ?? '';
      seen.push(authorization);
      return authorization === 'Bearer token-1'
        ? new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } })
        : new Response('prices');
    };
    const obo = client({ fetch: fetchThroughApi });
    const response = await obo.fetch(userToken('auth0|alice', 600), api, undefined, { audience: CATALOG });
    expect(await response.text()).toBe('prices');
    expect(seen).toEqual(['Bearer token-1', 'Bearer token-2']);
  });
});
