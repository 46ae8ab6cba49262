import { fixtureConfig, loginForCode } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/index.ts';

const CATALOG = 'https://catalog.example.test';
const SPA = 'spa-client-0001';
const REDIRECT = 'http://localhost:5173/callback';

const claims = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;

/**
 * Auth0 Multi-Resource Refresh Tokens (docs/engine.md, "Consent, grants and refresh tokens"): one refresh token from a login for API 1 mints
 * access tokens for the APIs of the client's `refresh_token.policies`, each limited to its policy.
 */
describe('multi-resource refresh tokens', () => {
  let tenant: Tenant;

  beforeAll(async () => {
    const base = fixtureConfig();
    tenant = await createTenant({
      port: 0,
      dataDir: null,
      config: {
        ...base,
        clients: base.clients.map((c) =>
          c.app_type === 'spa'
            ? {
                ...c,
                refresh_token: { ...c.refresh_token, policies: [{ audience: 'orders-api', scope: ['read:orders'] }] },
              }
            : c,
        ),
      },
    });
  });
  afterAll(() => tenant?.close());

  async function token(body: Record<string, string>) {
    const response = await fetch(`${tenant.issuer}oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: SPA, ...body }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  async function login(username: string, password: string) {
    const flow = await loginForCode({
      issuer: tenant.issuer,
      clientId: SPA,
      redirectUri: REDIRECT,
      username,
      password,
      audience: CATALOG,
      scope: 'openid profile offline_access read:catalog',
    });
    const exchanged = await token({
      grant_type: 'authorization_code',
      code: flow.code,
      code_verifier: flow.verifier,
      redirect_uri: REDIRECT,
    });
    expect(exchanged.status).toBe(200);
    return exchanged.body;
  }

  it('the code exchange answers for the requested API only, with a refresh token', async () => {
    const tokens = await login('alice@example.test', 'correct horse battery staple');
    expect(claims(tokens.access_token ?? '')).toMatchObject({
      aud: [CATALOG, `${tenant.issuer}userinfo`],
      scope: 'openid profile offline_access read:catalog',
    });
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });

  it('a refresh naming a policy audience gets a token for that API with its policy scopes; unauthorized scopes are dropped silently', async () => {
    const tokens = await login('alice@example.test', 'correct horse battery staple');
    const refreshed = await token({
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
      audience: 'orders-api',
      scope: 'openid profile offline_access read:orders create:orders',
    });
    expect(refreshed.status).toBe(200);
    const access = claims(refreshed.body.access_token ?? '');
    expect(access.aud).toEqual(['orders-api', `${tenant.issuer}userinfo`]);
    expect(String(access.scope).split(' ')).not.toContain('create:orders');
    expect(String(access.scope).split(' ')).toContain('read:orders');
    expect(String(access.scope).split(' ')).not.toContain('read:catalog');
    // auth0-spa-js compares what it asked for with the response `scope`: the OIDC scopes must be echoed.
    expect(refreshed.body.scope?.split(' ')).toEqual(
      expect.arrayContaining(['openid', 'profile', 'offline_access', 'read:orders']),
    );
    expect(refreshed.body.id_token).toEqual(expect.any(String));
    expect(refreshed.body.refresh_token).toEqual(expect.any(String));

    const back = await token({ grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token ?? '' });
    expect(back.status).toBe(200);
    expect(claims(back.body.access_token ?? '')).toMatchObject({ aud: [CATALOG, `${tenant.issuer}userinfo`] });
  });

  it('an audience outside the policies is refused, and no token for it is issued', async () => {
    const tokens = await login('bob@example.test', 'staff password 1234');
    const refused = await token({
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
      audience: 'https://other.example.test',
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.body.access_token).toBeUndefined();
  });
});
