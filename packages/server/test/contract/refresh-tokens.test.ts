import { fixtureConfig, loginForCode, pkcePair } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRefreshTokenTtl } from '../../src/engine/refresh-tokens.ts';
import { createTenant, type Tenant } from '../../src/index.ts';

const SPA = 'spa-client-0001';
const REDIRECT = 'http://localhost:5173/callback';
const CATALOG = 'https://catalog.example.test';

/** Refresh tokens for SPAs as Auth0 runs them: rotation, reuse detection, races, lifetimes (docs/security.md, "Refresh tokens"). */
describe('refresh tokens', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await createTenant({ config: fixtureConfig(), port: 0, dataDir: null });
  });
  afterAll(() => tenant?.close());

  async function token(body: Record<string, string>) {
    const response = await fetch(`${tenant.issuer}oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: SPA, ...body }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  async function freshRefreshToken(): Promise<string> {
    const flow = await loginForCode({
      issuer: tenant.issuer,
      clientId: SPA,
      redirectUri: REDIRECT,
      username: 'alice@example.test',
      password: 'correct horse battery staple',
      audience: CATALOG,
      scope: 'openid offline_access read:catalog',
    });
    const exchanged = await token({
      grant_type: 'authorization_code',
      code: flow.code,
      code_verifier: flow.verifier,
      redirect_uri: REDIRECT,
    });
    expect(exchanged.body.refresh_token).toEqual(expect.any(String));
    return exchanged.body.refresh_token ?? '';
  }

  const invalid = { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' };

  it('RFC 9700 §4.14.2: reusing a rotated refresh token revokes the whole family', async () => {
    const rt1 = await freshRefreshToken();
    const second = await token({ grant_type: 'refresh_token', refresh_token: rt1 });
    expect(second.status).toBe(200);
    const rt2 = second.body.refresh_token ?? '';
    expect(rt2).not.toBe(rt1);

    const reuse = await token({ grant_type: 'refresh_token', refresh_token: rt1 });
    expect(reuse).toEqual({ status: 403, body: invalid });
    const successor = await token({ grant_type: 'refresh_token', refresh_token: rt2 });
    expect(successor).toEqual({ status: 403, body: invalid });
  });

  it('RFC 9700 §4.14.2: 10 parallel refreshes with one token leave at most one live chain', async () => {
    const rt = await freshRefreshToken();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => token({ grant_type: 'refresh_token', refresh_token: rt })),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners.length).toBeLessThanOrEqual(1);
    for (const loser of results.filter((r) => r.status !== 200)) expect(loser.body).toEqual(invalid);
    // Whatever the winners got, at most one of their refresh tokens may still be usable.
    let live = 0;
    for (const winner of winners) {
      const next = await token({ grant_type: 'refresh_token', refresh_token: winner.body.refresh_token ?? '' });
      if (next.status === 200) live += 1;
    }
    expect(live).toBeLessThanOrEqual(1);
  });

  it('RFC 6749 §6: another client cannot use the SPA’s refresh token', async () => {
    const rt = await freshRefreshToken();
    const stolen = await fetch(`${tenant.issuer}oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: rt,
        client_id: 'backoffice-0001',
        client_secret: 'backoffice-secret-0123456789abcdef0123456789ab',
      }),
    });
    expect(stolen.status).toBe(403);
    expect(await stolen.json()).toEqual(invalid);
  });

  it('a refresh for an audience outside the token is refused without consuming the token', async () => {
    const rt = await freshRefreshToken();
    const outside = await token({ grant_type: 'refresh_token', refresh_token: rt, audience: 'orders-api' });
    expect(outside).toEqual({ status: 403, body: { error: 'access_denied', error_description: 'Service not found' } });
    // Not burnt: the same token still rotates, and the family is intact.
    const retry = await token({ grant_type: 'refresh_token', refresh_token: rt });
    expect(retry.status).toBe(200);
    expect((await token({ grant_type: 'refresh_token', refresh_token: retry.body.refresh_token ?? '' })).status).toBe(
      200,
    );
  });

  it('token responses, successes and errors, are never cached (RFC 6749 §5.1)', async () => {
    const rt = await freshRefreshToken();
    for (const refreshToken of [rt, 'not-a-refresh-token']) {
      const response = await fetch(`${tenant.issuer}oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: SPA, grant_type: 'refresh_token', refresh_token: refreshToken }),
      });
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('pragma')).toBe('no-cache');
    }
  });

  it('prompt=none never renders the login page: without a session it redirects with login_required', async () => {
    const url = new URL('authorize', tenant.issuer);
    const params = {
      client_id: SPA,
      response_type: 'code',
      redirect_uri: REDIRECT,
      scope: 'openid',
      state: 'xyz',
      prompt: 'none',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('error')).toBe('login_required');
    expect(location.searchParams.get('state')).toBe('xyz');
  });
});

describe('refresh-token lifetimes (RFC 9700 §4.14.2)', () => {
  const settings = {
    rotation_type: 'rotating' as const,
    expiration_type: 'expiring' as const,
    leeway: 0,
    token_lifetime: 1_000,
    infinite_token_lifetime: false,
    idle_token_lifetime: 300,
    infinite_idle_token_lifetime: false,
    policies: [],
  };
  const engine = {
    registry: { client: () => ({ refresh_token: settings }) },
  } as unknown as Parameters<typeof createRefreshTokenTtl>[0];
  const ttl = createRefreshTokenTtl(engine);
  const client = { clientId: 'x' } as unknown as Parameters<ReturnType<typeof createRefreshTokenTtl>>[2];
  const now = () => Math.floor(Date.now() / 1000);

  it('a new family lives the idle lifetime, which restarts at each rotation', () => {
    expect(ttl({} as never, { iiat: now() }, client)).toBe(300);
  });

  it('the absolute lifetime counts from the first token of the family and never extends', () => {
    expect(ttl({} as never, { iiat: now() - 900 }, client)).toBeLessThanOrEqual(100);
    expect(ttl({} as never, { iiat: now() - 900 }, client)).toBeGreaterThan(95);
    expect(ttl({} as never, { iiat: now() - 5_000 }, client)).toBe(1);
  });
});

describe('rotation overlap period (Auth0 refresh_token.leeway)', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    const base = fixtureConfig();
    tenant = await createTenant({
      port: 0,
      dataDir: null,
      config: {
        ...base,
        clients: base.clients.map((c) =>
          c.app_type === 'spa' ? { ...c, refresh_token: { ...c.refresh_token, leeway: 30 } } : c,
        ),
      },
    });
  });
  afterAll(() => tenant?.close());

  async function refresh(refreshToken: string) {
    const response = await fetch(`${tenant.issuer}oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: SPA, refresh_token: refreshToken }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  async function loginRefreshToken(): Promise<string> {
    const flow = await loginForCode({
      issuer: tenant.issuer,
      clientId: SPA,
      redirectUri: REDIRECT,
      username: 'bob@example.test',
      password: 'staff password 1234',
      audience: CATALOG,
      scope: 'openid offline_access read:catalog',
    });
    const exchanged = await fetch(`${tenant.issuer}oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: SPA,
        code: flow.code,
        code_verifier: flow.verifier,
        redirect_uri: REDIRECT,
      }),
    });
    const refreshToken = ((await exchanged.json()) as Record<string, string>).refresh_token;
    expect(refreshToken).toEqual(expect.any(String));
    return refreshToken ?? '';
  }

  it('within the leeway the previous token returns the same successor; the second-to-last one revokes the family', async () => {
    const rt1 = await loginRefreshToken();
    const first = await refresh(rt1);
    expect(first.status).toBe(200);
    const again = await refresh(rt1);
    expect(again.status).toBe(200);
    // The same successor, not a second one: the family keeps one live chain.
    expect(again.body.refresh_token).toBe(first.body.refresh_token);
    expect(again.body.access_token).toEqual(expect.any(String));

    // Rotate on: rt1 is now the second-to-last token of the family.
    const rt2 = again.body.refresh_token ?? '';
    const next = await refresh(rt2);
    expect(next.status).toBe(200);
    expect(next.body.refresh_token).not.toBe(rt2);
    const breach = await refresh(rt1);
    expect(breach.status).toBe(403);
    const afterBreach = await refresh(next.body.refresh_token ?? '');
    expect(afterBreach.status).toBe(403);
  });

  it('5 parallel refreshes of one token all get the same successor, and it is the only live token', async () => {
    const rt1 = await loginRefreshToken();
    const results = await Promise.all(Array.from({ length: 5 }, () => refresh(rt1)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const successors = new Set(results.map((r) => r.body.refresh_token));
    expect(successors.size).toBe(1);
    const [successor] = [...successors];
    expect(successor).not.toBe(rt1);

    // The successor is live: it rotates. After that, rt1 is the second-to-last token and revokes the family,
    // which proves no other chain was ever issued from it.
    const rotated = await refresh(successor ?? '');
    expect(rotated.status).toBe(200);
    expect((await refresh(rt1)).status).toBe(403);
    expect((await refresh(rotated.body.refresh_token ?? '')).status).toBe(403);
  });
});
