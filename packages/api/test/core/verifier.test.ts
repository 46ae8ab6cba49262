import { randomBytes } from 'node:crypto';
import type { Tenant } from '@authmesh/server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AuthResult,
  BearerError,
  claimCheck,
  createVerifier,
  errorResponse,
  OptionsError,
  requirePermissions,
  requireScopes,
  type Verifier,
  type VerifierOptions,
} from '../../src/index.ts';
import { FakeTenant, testClocks, trackingFetch } from './support/fake-tenant.ts';
import { forge, rsaKey, signJwt, type TestKey } from './support/keys.ts';
import { aliceTokens, CATALOG, m2mToken, SPA, startRealTenant } from './support/real-tenant.ts';

/**
 * The verifier's contract beyond adversarial input: options validated once at construction (every
 * message names the option), the route guards (exact scope matching, RFC 6749 §3.3; the 403 form of
 * RFC 6750 §3.1), the AuthResult of real tenant tokens (users keyed by `iss` and `sub`), and the opt-in
 * verified-token cache. See docs/security.md, "The API SDK".
 */

const API = 'https://api.test';
const k1 = rsaKey('k1');
const k2 = rsaKey('k2');
const COOLDOWN = 30_000;

let fake: FakeTenant;
let clocks: ReturnType<typeof testClocks>;
let tracker: ReturnType<typeof trackingFetch>;

beforeEach(async () => {
  fake = await FakeTenant.start({ keys: [k1.jwk] });
  clocks = testClocks();
  tracker = trackingFetch();
});

afterEach(async () => {
  await fake.close();
});

function makeVerifier(options: Partial<VerifierOptions> = {}): Verifier {
  return createVerifier({ issuerBaseURL: fake.url, audience: API, fetch: tracker.fetch, ...options }, clocks.internals);
}

function token(overrides: Record<string, unknown> = {}, key: TestKey = k1): Promise<string> {
  return signJwt(key, {
    iss: fake.issuer,
    sub: 'user-1',
    aud: API,
    iat: clocks.wall,
    exp: clocks.wall + 3_600,
    ...overrides,
  });
}

async function refusal(promise: Promise<unknown>): Promise<BearerError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof BearerError)) throw new Error(`expected a BearerError, got ${String(outcome)}`);
  return outcome;
}

function guardError(guard: (auth: AuthResult) => void, auth: AuthResult): BearerError {
  try {
    guard(auth);
  } catch (error) {
    if (error instanceof BearerError) return error;
    throw error;
  }
  throw new Error('the guard let the request through');
}

describe('options are validated at construction (ERR_OPTIONS_INVALID naming the option)', () => {
  const base = { issuerBaseURL: 'https://tenant.example.test/', audience: API };
  const cases: { name: string; options: Record<string, unknown>; message: RegExp }[] = [
    { name: 'missing audience', options: { audience: undefined }, message: /audience is required/ },
    { name: 'empty audience list', options: { audience: [] }, message: /audience/ },
    { name: 'empty audience string', options: { audience: [''] }, message: /audience/ },
    {
      name: 'http, non-loopback issuerBaseURL',
      options: { issuerBaseURL: 'http://tenant.example.test/' },
      message: /issuerBaseURL must use https/,
    },
    {
      name: 'http issuerBaseURL on a look-alike of localhost',
      options: { issuerBaseURL: 'http://localhost.evil.test/' },
      message: /issuerBaseURL/,
    },
    {
      name: 'non-http issuerBaseURL',
      options: { issuerBaseURL: 'ftp://tenant.example.test/' },
      message: /issuerBaseURL/,
    },
    { name: 'relative issuerBaseURL', options: { issuerBaseURL: '/tenant' }, message: /issuerBaseURL/ },
    {
      name: 'issuerBaseURL with credentials',
      options: { issuerBaseURL: 'https://u:p@tenant.example.test/' },
      message: /issuerBaseURL must not contain/,
    },
    {
      name: 'no issuerBaseURL and no issuer/jwksUri',
      options: { issuerBaseURL: undefined },
      message: /issuerBaseURL is required/,
    },
    {
      name: 'issuer without jwksUri',
      options: { issuerBaseURL: undefined, issuer: 'https://t.example.test/' },
      message: /issuer and jwksUri/,
    },
    {
      name: 'http, non-loopback jwksUri',
      options: {
        issuerBaseURL: undefined,
        issuer: 'https://t.example.test/',
        jwksUri: 'http://t.example.test/jwks.json',
      },
      message: /jwksUri must use https/,
    },
    {
      name: 'HS256 tokenSigningAlg',
      options: { tokenSigningAlg: 'HS256' },
      message: /tokenSigningAlg "HS256" is not supported/,
    },
    {
      name: 'HS256 among allowed algorithms',
      options: { tokenSigningAlg: ['RS256', 'HS256'] },
      message: /tokenSigningAlg "HS256"/,
    },
    { name: 'unknown alg', options: { tokenSigningAlg: 'RS257' }, message: /tokenSigningAlg "RS257"/ },
    { name: 'alg none', options: { tokenSigningAlg: 'none' }, message: /tokenSigningAlg "none"/ },
    { name: 'alg in the wrong case', options: { tokenSigningAlg: 'rs256' }, message: /tokenSigningAlg "rs256"/ },
    { name: 'no algorithm at all', options: { tokenSigningAlg: [] }, message: /tokenSigningAlg must name/ },
    { name: 'clockTolerance 301', options: { clockTolerance: 301 }, message: /clockTolerance/ },
    { name: 'negative clockTolerance', options: { clockTolerance: -1 }, message: /clockTolerance/ },
    { name: 'clockTolerance NaN', options: { clockTolerance: Number.NaN }, message: /clockTolerance/ },
    { name: 'maxTokenLength below 256', options: { maxTokenLength: 100 }, message: /maxTokenLength/ },
    { name: 'jwks.cacheMaxAge 0', options: { jwks: { cacheMaxAge: 0 } }, message: /jwks\.cacheMaxAge/ },
    {
      name: 'jwks.staleIfError Infinity',
      options: { jwks: { staleIfError: Infinity } },
      message: /jwks\.staleIfError/,
    },
    { name: 'jwks.cooldown NaN', options: { jwks: { cooldown: Number.NaN } }, message: /jwks\.cooldown/ },
    { name: 'negative jwks.timeout', options: { jwks: { timeout: -5 } }, message: /jwks\.timeout/ },
    {
      name: 'jwks.maxBodyBytes as a string',
      options: { jwks: { maxBodyBytes: '1mb' } },
      message: /jwks\.maxBodyBytes/,
    },
    { name: 'negative cache.maxEntries', options: { cache: { maxEntries: -1 } }, message: /cache\.maxEntries/ },
    { name: 'fractional cache.maxEntries', options: { cache: { maxEntries: 1.5 } }, message: /cache\.maxEntries/ },
    { name: 'cache: true', options: { cache: true }, message: /cache\.maxEntries/ },
    { name: 'realm with a quote', options: { realm: 'my "api"' }, message: /realm/ },
    { name: 'fetch that is not a function', options: { fetch: 'fetch' }, message: /fetch must be a function/ },
  ];

  it.each(cases)('$name', ({ options, message }) => {
    let error: unknown;
    try {
      createVerifier({ ...base, ...options } as unknown as VerifierOptions);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OptionsError);
    expect(error).toMatchObject({ code: 'ERR_OPTIONS_INVALID', name: 'OptionsError' });
    expect((error as Error).message).toMatch(message);
  });

  it('options that are not an object', () => {
    expect(() => createVerifier(null as unknown as VerifierOptions)).toThrow(OptionsError);
  });

  it.each([
    { name: 'audience as a number', options: { audience: 42 }, message: /audience/ },
    { name: 'audience as an object', options: { audience: { id: API } }, message: /audience/ },
    { name: 'tokenSigningAlg as a number', options: { tokenSigningAlg: 256 }, message: /tokenSigningAlg/ },
  ])('non-iterable option: $name → OptionsError', ({ options, message }) => {
    let error: unknown;
    try {
      createVerifier({ ...base, ...options } as unknown as VerifierOptions);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as Error).message).toMatch(message);
  });

  it('valid options: loopback http, [::1], static issuer + jwksUri; nothing is fetched at construction', () => {
    let calls = 0;
    const spy = (() => {
      calls += 1;
      throw new Error('no request expected');
    }) as unknown as typeof fetch;
    for (const options of [
      { issuerBaseURL: 'http://localhost:4000', audience: API },
      { issuerBaseURL: 'http://127.0.0.1:4000/', audience: [API, 'orders-api'] },
      { issuerBaseURL: 'http://[::1]:4000/', audience: API, tokenSigningAlg: ['RS256', 'ES256', 'PS256'] as const },
      { issuer: 'https://t.example.test/', jwksUri: 'https://t.example.test/.well-known/jwks.json', audience: API },
      { issuerBaseURL: 'https://t.example.test/', audience: API, clockTolerance: 300, strict: true, realm: 'catalog' },
    ] satisfies VerifierOptions[]) {
      const verifier = createVerifier({ ...options, fetch: spy });
      expect(verifier.stats.jwksFetches).toBe(0);
    }
    expect(calls).toBe(0);
  });

  it('the realm option is used in WWW-Authenticate', async () => {
    const verifier = makeVerifier({ realm: 'catalog' });
    expect(verifier.realm).toBe('catalog');
    const error = await refusal((async () => verifier.authenticate(new Request(`${API}/x`)))());
    expect(error.headers(verifier.realm)['WWW-Authenticate']).toBe('Bearer realm="catalog"');
  });
});

describe('authenticate() is promise-based for every outcome', () => {
  it.each([
    { name: 'no Authorization header (401)', headers: {} },
    { name: 'Basic scheme (401)', headers: { authorization: 'Basic YTpi' } },
    { name: 'malformed Bearer header (400)', headers: { authorization: 'Bearer a b' } },
  ])('$name: authenticate() returns a rejected promise, it does not throw', async ({ headers }) => {
    const verifier = makeVerifier();
    let returned: unknown;
    expect(() => {
      returned = verifier.authenticate(new Request(`${API}/x`, { headers }));
    }).not.toThrow();
    expect(returned).toBeInstanceOf(Promise);
    const error = await refusal(returned as Promise<unknown>);
    expect(error.status).toBeGreaterThanOrEqual(400);
  });

  it('an invalid token (header present) already rejects the promise', async () => {
    const verifier = makeVerifier();
    const pending = verifier.authenticate(new Request(`${API}/x`, { headers: { authorization: 'Bearer a.b.c' } }));
    expect(pending).toBeInstanceOf(Promise);
    expect((await refusal(pending)).code).toBe('ERR_TOKEN_INVALID');
  });
});

describe('unexpected input never becomes a 500', () => {
  it.each([
    { name: 'undefined', value: undefined },
    { name: 'a number', value: 12_345 },
    { name: 'an object', value: { token: 'x' } },
  ])('verify($name) → 401 ERR_TOKEN_INVALID', async ({ value }) => {
    const verifier = makeVerifier();
    const error = await refusal(verifier.verify(value as unknown as string));
    expect({ status: error.status, code: error.code }).toEqual({ status: 401, code: 'ERR_TOKEN_INVALID' });
    expect(fake.total).toBe(0);
  });

  it('ERR_KEYS_UNAVAILABLE does not reveal the tenant URL or the cause in what is sent', async () => {
    await fake.stop();
    const verifier = makeVerifier();
    const error = await refusal(verifier.verify(await token()));
    expect(error.code).toBe('ERR_KEYS_UNAVAILABLE');
    const sent = JSON.stringify({ headers: error.headers('api'), body: error.body() });
    expect(sent).not.toContain('127.0.0.1');
    expect(sent).not.toMatch(/ECONNREFUSED|fetch failed/);
  });
});

describe('guards (RFC 6749 §3.3: exact matching, all-of / any-of, scope vs permissions)', () => {
  let verifier: Verifier;
  beforeEach(() => {
    verifier = makeVerifier();
  });
  const auth = async (claims: Record<string, unknown>) => verifier.verify(await token(claims));

  it('all-of: every scope needed; 403 lists only the missing ones', async () => {
    const guard = requireScopes(['read:msg', 'write:msg', 'delete:msg']);
    const full = await auth({ scope: 'delete:msg write:msg read:msg read:msg' });
    expect(() => guard(full)).not.toThrow();
    const partial = await auth({ scope: 'read:msg' });
    const error = guardError(guard, partial);
    expect({ status: error.status, code: error.code }).toEqual({ status: 403, code: 'ERR_INSUFFICIENT_SCOPE' });
    expect(error.requiredScopes).toEqual(['write:msg', 'delete:msg']);
    expect(error.headers('api')['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="Insufficient scope", scope="write:msg delete:msg"',
    );
    expect(error.body()).toEqual({ error: 'insufficient_scope', error_description: 'Insufficient scope' });
  });

  it('any-of: one scope is enough; 403 lists all the alternatives', async () => {
    const guard = requireScopes('read:msg read:all', { match: 'any' });
    const one = await auth({ scope: 'read:all' });
    expect(() => guard(one)).not.toThrow();
    const none = await auth({ scope: 'write:msg' });
    const error = guardError(guard, none);
    expect(error.headers('api')['WWW-Authenticate']).toContain('scope="read:msg read:all"');
  });

  it('exact, case-sensitive token matching: read:msgs, read:msg:all, READ:MSG, read do not grant read:msg', async () => {
    const guard = requireScopes('read:msg');
    const near = await auth({ scope: 'read:msgs read:msg:all READ:MSG read', permissions: ['read:msgs', 'read'] });
    const error = guardError(guard, near);
    expect(error.status).toBe(403);
    expect(error.headers('api')['WWW-Authenticate']).toContain('scope="read:msg"');
    // Not a substring test on the whole string either.
    expect(() => guard(near)).toThrow(BearerError);
    const exact = await auth({ scope: 'openid read:msg' });
    expect(() => guard(exact)).not.toThrow();
  });

  it('source: scope, permissions, or either (default)', async () => {
    const viaPermissions = await auth({ scope: 'openid', permissions: ['read:msg'] });
    const viaScope = await auth({ scope: 'read:msg' });

    expect(() => requireScopes('read:msg')(viaPermissions)).not.toThrow();
    expect(() => requireScopes('read:msg')(viaScope)).not.toThrow();

    expect(() => requireScopes('read:msg', { source: 'scope' })(viaScope)).not.toThrow();
    expect(guardError(requireScopes('read:msg', { source: 'scope' }), viaPermissions).requiredScopes).toEqual([
      'read:msg',
    ]);

    expect(() => requirePermissions('read:msg')(viaPermissions)).not.toThrow();
    expect(guardError(requirePermissions('read:msg'), viaScope).code).toBe('ERR_INSUFFICIENT_SCOPE');

    // all-of across both sources in "either" mode: one from each is fine.
    const mixed = await auth({ scope: 'read:msg', permissions: ['write:msg'] });
    expect(() => requireScopes(['read:msg', 'write:msg'])(mixed)).not.toThrow();
    expect(guardError(requirePermissions(['read:msg', 'write:msg']), mixed).requiredScopes).toEqual(['read:msg']);
  });

  it('a guard with nothing to require is a configuration error', () => {
    expect(() => requireScopes([])).toThrow(OptionsError);
    expect(() => requireScopes('  ')).toThrow(OptionsError);
    expect(() => requirePermissions([''])).toThrow(OptionsError);
  });

  it('claimCheck: 403 ERR_CLAIM_CHECK_FAILED, description sanitised for the header', async () => {
    const orgUser = await auth({ org_id: 'org_1' });
    expect(() => claimCheck((c) => c.org_id === 'org_1')(orgUser)).not.toThrow();
    const error = guardError(
      claimCheck((c) => c.org_id === 'org_2', 'Wrong "organization"\r\nX-Evil: 1\\'),
      orgUser,
    );
    expect({ status: error.status, code: error.code }).toEqual({ status: 403, code: 'ERR_CLAIM_CHECK_FAILED' });
    const header = error.headers('api')['WWW-Authenticate'] ?? '';
    expect(header).toMatch(/^Bearer realm="api", error="insufficient_scope", error_description="[^"\\\r\n]*"$/);
  });

  it('errorResponse renders a guard refusal (no-store) and rethrows anything that is not a BearerError', async () => {
    const error = guardError(requireScopes('admin'), await auth({ scope: 'read:msg' }));
    expect(errorResponse(error, 'api')).toEqual({
      status: 403,
      headers: {
        'WWW-Authenticate':
          'Bearer realm="api", error="insufficient_scope", error_description="Insufficient scope", scope="admin"',
        'Cache-Control': 'no-store',
      },
      body: { error: 'insufficient_scope', error_description: 'Insufficient scope' },
    });
    const boom = new TypeError('boom');
    expect(() => errorResponse(boom, 'api')).toThrow(boom);
  });
});

describe('AuthResult of real tenant tokens', () => {
  let tenant: Tenant;
  let verifier: Verifier;
  let machine: string;
  let user: string;

  beforeAll(async () => {
    tenant = await startRealTenant();
    machine = await m2mToken(tenant);
    user = (await aliceTokens(tenant)).accessToken;
    verifier = createVerifier({ issuerBaseURL: tenant.issuer, audience: CATALOG });
  }, 60_000);

  afterAll(async () => {
    await tenant?.close();
  });

  it('M2M (client-credentials) token', async () => {
    const auth = await verifier.verify(machine);
    expect(auth.token).toBe(machine);
    expect(auth.subject).toBe('orders-m2m-0001@clients');
    expect(auth.issuer).toBe(tenant.issuer);
    expect(auth.clientId).toBe('orders-m2m-0001');
    expect(auth.isMachine).toBe(true);
    expect([...auth.scopes]).toEqual(['read:catalog']);
    expect(auth.claims).toMatchObject({ gty: 'client-credentials', azp: 'orders-m2m-0001', aud: CATALOG });
    expect(auth.header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(Object.isFrozen(auth.claims)).toBe(true);
    expect(Object.isFrozen(auth.header)).toBe(true);
    expect(() => requireScopes('read:catalog', { source: 'scope' })(auth)).not.toThrow();
    expect(guardError(requireScopes('adjust:stock'), auth).headers('api')['WWW-Authenticate']).toContain(
      'scope="adjust:stock"',
    );
  });

  it('user token (Alice through the SPA, RBAC permissions)', async () => {
    const auth = await verifier.verify(user);
    const alice = tenant.users.find((u) => u.email === 'alice@example.test');
    expect(auth.subject).toBe(alice?.user_id);
    expect(auth.subject).toMatch(/^auth0\|/);
    expect(auth.issuer).toBe(tenant.issuer);
    expect(auth.clientId).toBe(SPA.clientId);
    expect(auth.isMachine).toBe(false);
    expect([...auth.scopes].sort()).toEqual(['email', 'openid', 'profile']);
    expect([...auth.permissions]).toEqual(['read:catalog']);
    expect(auth.claims.aud).toContain(CATALOG);
    // The permission grants the route in the default mode, not when the route insists on scope.
    expect(() => requireScopes('read:catalog')(auth)).not.toThrow();
    expect(() => requirePermissions('read:catalog')(auth)).not.toThrow();
    expect(guardError(requireScopes('read:catalog', { source: 'scope' }), auth).requiredScopes).toEqual([
      'read:catalog',
    ]);
    expect(guardError(requirePermissions('adjust:stock'), auth).status).toBe(403);
  });

  it('machine and user identities cannot be confused', async () => {
    const [m, u] = await Promise.all([verifier.verify(machine), verifier.verify(user)]);
    expect(m.isMachine).not.toBe(u.isMachine);
    expect(`${m.issuer}|${m.subject}`).not.toBe(`${u.issuer}|${u.subject}`);
  });
});

describe('opt-in verified-token cache (cache: {maxEntries: 2})', () => {
  /** Makes the key set refetch (after the cooldown, through an unknown kid): k1 then leaves the key set. */
  async function rotateK1Out(verifier: Verifier): Promise<void> {
    fake.script.jwks = { keys: [k2.jwk] };
    clocks.mono += COOLDOWN;
    const unknownKid = forge(
      { alg: 'RS256', kid: randomBytes(8).toString('hex'), typ: 'at+jwt' },
      {},
      {
        signature: 'AAAA',
      },
    );
    const jwksBefore = fake.counts.jwks;
    expect((await refusal(verifier.verify(unknownKid))).reason).toBe('key_unknown');
    expect(fake.counts.jwks).toBe(jwksBefore + 1);
  }

  it('a repeated token is served from the cache (its key has left the JWKS); an uncached one is refused', async () => {
    const verifier = makeVerifier({ cache: { maxEntries: 2 } });
    const cached = await token({ sub: 'user-a' });
    const uncached = await token({ sub: 'user-b' });
    await expect(verifier.verify(cached)).resolves.toMatchObject({ subject: 'user-a' });
    await rotateK1Out(verifier);
    const fetches = verifier.stats.jwksFetches;

    await expect(verifier.verify(cached)).resolves.toMatchObject({ subject: 'user-a' });
    expect((await refusal(verifier.verify(uncached))).reason).toBe('key_unknown');
    expect(verifier.stats.jwksFetches).toBe(fetches);
  });

  it('without the cache (the default), the same sequence refuses the repeated token', async () => {
    const verifier = makeVerifier();
    const repeated = await token({ sub: 'user-a' });
    await expect(verifier.verify(repeated)).resolves.toBeDefined();
    await rotateK1Out(verifier);
    expect((await refusal(verifier.verify(repeated))).reason).toBe('key_unknown');
  });

  it('a cached token is refused once the injected wall clock passes exp + clockTolerance', async () => {
    const verifier = makeVerifier({ cache: { maxEntries: 2 }, clockTolerance: 5 });
    const shortLived = await token({ exp: clocks.wall + 60 });
    await expect(verifier.verify(shortLived)).resolves.toBeDefined();
    clocks.wall += 65; // exactly exp + tolerance: still valid
    await expect(verifier.verify(shortLived)).resolves.toBeDefined();
    clocks.wall += 1;
    const error = await refusal(verifier.verify(shortLived));
    expect({ status: error.status, reason: error.reason }).toEqual({ status: 401, reason: 'expired' });
    // And it stays refused (the entry is gone, not resurrected).
    expect((await refusal(verifier.verify(shortLived))).reason).toBe('expired');
  });

  it('an expired cached token is refused even after its key left the JWKS (no stale acceptance)', async () => {
    const verifier = makeVerifier({ cache: { maxEntries: 2 } });
    const shortLived = await token({ exp: clocks.wall + 60 });
    await verifier.verify(shortLived);
    await rotateK1Out(verifier);
    clocks.wall += 66;
    const error = await refusal(verifier.verify(shortLived));
    expect(error.status).toBe(401);
  });

  it('beyond maxEntries the oldest entry is evicted', async () => {
    const verifier = makeVerifier({ cache: { maxEntries: 2 } });
    const [a, b, c] = await Promise.all(['user-a', 'user-b', 'user-c'].map((sub) => token({ sub })));
    for (const t of [a, b, c]) await verifier.verify(t as string);
    await rotateK1Out(verifier);
    expect((await refusal(verifier.verify(a as string))).reason).toBe('key_unknown');
    await expect(verifier.verify(b as string)).resolves.toMatchObject({ subject: 'user-b' });
    await expect(verifier.verify(c as string)).resolves.toMatchObject({ subject: 'user-c' });
  });

  it('a refused token is never cached', async () => {
    const verifier = makeVerifier({ cache: { maxEntries: 2 } });
    const wrongAudience = await token({ aud: 'https://other.test' });
    for (let i = 0; i < 3; i++) expect((await refusal(verifier.verify(wrongAudience))).reason).toBe('audience');
  });

  it('a request that mutates its AuthResult does not change what later cache hits see', async () => {
    const verifier = makeVerifier({ cache: { maxEntries: 2 } });
    const t = await token({ sub: 'user-a', scope: 'read:msg' });
    const first = await verifier.verify(t);
    try {
      (first.scopes as Set<string>).add('admin:all');
    } catch {
      // a read-only view may throw: that is the fix
    }
    try {
      (first as { subject: string }).subject = 'admin';
    } catch {
      // frozen: that is the fix
    }
    const second = await verifier.verify(t);
    expect(second.scopes.has('admin:all')).toBe(false);
    expect(second.subject).toBe('user-a');
  });
});
