import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { authorizeUrl, CATALOG, ORDERS, SPA, startTenant } from '../security/helpers.ts';

/**
 * Discovery, JWKS and CORS as SDKs observe them (docs/security.md, "Issued tokens and keys").
 * Host-header poisoning of discovery and the JWKS key strength are covered in security/client-credentials.
 */
let tenant: Tenant;
let issuer: string;
let discovery: Record<string, unknown>;

const SPA_ORIGIN = 'http://localhost:5173';
const EVIL_ORIGIN = 'http://evil.example';

beforeAll(async () => {
  tenant = await startTenant();
  issuer = tenant.issuer;
  const response = await fetch(new URL('.well-known/openid-configuration', issuer));
  expect(response.status).toBe(200);
  discovery = (await response.json()) as Record<string, unknown>;
});
afterAll(() => tenant?.close());

function list(name: string): string[] {
  const value = discovery[name];
  expect(Array.isArray(value), `${name} is an array`).toBe(true);
  return value as string[];
}

function hasCorsHeaders(headers: Headers): string[] {
  return [...headers.keys()].filter((h) => h.toLowerCase().startsWith('access-control-'));
}

describe('discovery document', () => {
  it('issuer is http://localhost:<port>/ with the trailing slash', () => {
    expect(discovery.issuer).toBe(`http://localhost:${tenant.port}/`);
    expect(discovery.issuer).toBe(issuer);
  });

  it('/.well-known/oauth-authorization-server serves the same issuer and endpoints', async () => {
    const response = await fetch(new URL('.well-known/oauth-authorization-server', issuer));
    expect(response.status).toBe(200);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata.issuer).toBe(discovery.issuer);
    for (const name of [
      'authorization_endpoint',
      'token_endpoint',
      'jwks_uri',
      'revocation_endpoint',
      'end_session_endpoint',
      'userinfo_endpoint',
    ]) {
      expect(metadata[name], name).toBe(discovery[name]);
    }
  });

  it("endpoints are at Auth0's paths", () => {
    expect(discovery.authorization_endpoint).toBe(`${issuer}authorize`);
    expect(discovery.token_endpoint).toBe(`${issuer}oauth/token`);
    expect(discovery.userinfo_endpoint).toBe(`${issuer}userinfo`);
    expect(discovery.jwks_uri).toBe(`${issuer}.well-known/jwks.json`);
    expect(discovery.revocation_endpoint).toBe(`${issuer}oauth/revoke`);
    expect(discovery.end_session_endpoint).toBe(`${issuer}oidc/logout`);
  });

  it('ID tokens: RS256 advertised, never none or HS256', () => {
    const algs = list('id_token_signing_alg_values_supported');
    expect(algs).toContain('RS256');
    expect(algs).not.toContain('none');
    expect(algs).not.toContain('HS256');
  });

  it('PKCE S256 only; query and form_post response modes; the OIDC scopes', () => {
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
    const modes = list('response_modes_supported');
    expect(modes).toContain('query');
    expect(modes).toContain('form_post');
    const scopes = list('scopes_supported');
    for (const scope of ['openid', 'profile', 'email', 'offline_access']) expect(scopes).toContain(scope);
  });

  it('RFC 9207 iss parameter advertised; no PAR endpoint', () => {
    expect(discovery.authorization_response_iss_parameter_supported).toBe(true);
    expect(discovery).not.toHaveProperty('pushed_authorization_request_endpoint');
    expect(discovery.require_pushed_authorization_requests).not.toBe(true);
  });

  it('token endpoint auth methods: client_secret_basic, client_secret_post, none; not client_secret_jwt', () => {
    const methods = list('token_endpoint_auth_methods_supported');
    for (const method of ['client_secret_basic', 'client_secret_post', 'none']) expect(methods).toContain(method);
    expect(methods).not.toContain('client_secret_jwt');
  });
});

describe('JWKS', () => {
  it('each key has kty RSA, use sig, alg RS256, kid, n, e and no private members', async () => {
    const response = await fetch(discovery.jwks_uri as string);
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      // Public members only; x5c / x5t are what Auth0 adds and would be fine.
      const publicMembers = ['alg', 'e', 'kid', 'kty', 'n', 'use', 'x5c', 'x5t', 'x5t#S256'];
      expect(Object.keys(key).filter((member) => !publicMembers.includes(member))).toEqual([]);
      for (const member of ['alg', 'e', 'kid', 'kty', 'n', 'use']) expect(key).toHaveProperty(member);
      expect(key.kty).toBe('RSA');
      expect(key.use).toBe('sig');
      expect(key.alg).toBe('RS256');
      expect(typeof key.kid).toBe('string');
      expect(key.kid).not.toBe('');
      expect(key.e).toBe('AQAB');
    }
  });
});

describe('CORS', () => {
  const m2mBody = () =>
    new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: ORDERS.clientId,
      client_secret: ORDERS.clientSecret,
      audience: CATALOG,
    });

  it("a preflight to /oauth/token from the SPA's web origin allows POST and the Auth0-Client and Content-Type headers", async () => {
    const response = await fetch(new URL('oauth/token', issuer), {
      method: 'OPTIONS',
      headers: {
        origin: SPA_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'auth0-client, content-type',
      },
    });
    expect(response.status).toBeGreaterThanOrEqual(200);
    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
    expect(response.headers.get('access-control-allow-methods') ?? '').toMatch(/\bPOST\b/);
    const allowed = (response.headers.get('access-control-allow-headers') ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase());
    expect(allowed).toContain('auth0-client');
    expect(allowed).toContain('content-type');
  });

  it('an actual token POST from the SPA origin (as spa-js sends it) gets Access-Control-Allow-Origin: that origin', async () => {
    // The SPA is a public client: a code redemption attempt with a bogus code still authenticates the
    // client, so the CORS decision is made; the grant itself fails.
    const response = await fetch(new URL('oauth/token', issuer), {
      method: 'POST',
      headers: {
        origin: SPA_ORIGIN,
        'content-type': 'application/x-www-form-urlencoded',
        'auth0-client': Buffer.from(JSON.stringify({ name: 'auth0-spa-js', version: '2.0.0' })).toString('base64'),
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: SPA.clientId,
        code: 'bogus',
        code_verifier: 'x'.repeat(43),
        redirect_uri: SPA.redirectUri,
      }),
    });
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(403);
    expect(body.error).toBe('invalid_grant');
    expect(response.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
  });

  it('a token POST for a client from an origin it does not allow (evil) gets no ACAO header and no token', async () => {
    const response = await fetch(new URL('oauth/token', issuer), {
      method: 'POST',
      headers: { origin: EVIL_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: m2mBody(),
    });
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.status).toBe(400);
    expect(body.error).toBe('invalid_request');
    expect(body.access_token).toBeUndefined();
  });

  it("…also for the SPA's own client_id from the evil origin", async () => {
    const response = await fetch(new URL('oauth/token', issuer), {
      method: 'POST',
      headers: { origin: EVIL_ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'refresh_token',
        client_id: SPA.clientId,
        refresh_token: 'whatever',
      }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.status).toBeGreaterThanOrEqual(400);
    await response.body?.cancel();
  });

  it('RFC 9700 §2.6: /authorize carries no CORS headers (GET with an Origin, and a preflight)', async () => {
    const url = authorizeUrl(issuer, {
      client_id: SPA.clientId,
      response_type: 'code',
      redirect_uri: SPA.redirectUri,
      scope: 'openid',
      state: 's',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const get = await fetch(url, { headers: { origin: SPA_ORIGIN }, redirect: 'manual' });
    expect(get.status).toBeGreaterThanOrEqual(300);
    expect(get.status).toBeLessThan(400);
    expect(hasCorsHeaders(get.headers)).toEqual([]);
    await get.body?.cancel();

    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: SPA_ORIGIN, 'access-control-request-method': 'GET' },
      redirect: 'manual',
    });
    expect(hasCorsHeaders(preflight.headers)).toEqual([]);
    await preflight.body?.cancel();
  });
});
