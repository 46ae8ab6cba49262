import { loginForCode, pkcePair, ScriptedBrowser } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { ALICE, authorizeUrl, SPA, startTenant } from './helpers.ts';

/**
 * redirect_uri validation and open redirects (docs/security.md, "Redirects and the authorization endpoint"):
 * exact string match against the SPA's registered `http://localhost:5173/callback`; anything else gets a
 * 400 HTML page and never a `Location`.
 */
let tenant: Tenant;
let issuer: string;
/** A browser with a logged-in session for alice at the SPA: a valid request would redirect at once with a code. */
let loggedIn: ScriptedBrowser;

beforeAll(async () => {
  tenant = await startTenant();
  issuer = tenant.issuer;
  ({ browser: loggedIn } = await loginForCode({
    issuer,
    clientId: SPA.clientId,
    redirectUri: SPA.redirectUri,
    ...ALICE,
  }));
});
afterAll(() => tenant?.close());

const { challenge } = pkcePair();

function spaParams(extra: Record<string, string>): Record<string, string> {
  return {
    client_id: SPA.clientId,
    response_type: 'code',
    redirect_uri: SPA.redirectUri,
    scope: 'openid profile',
    state: 'redirect-uri-state',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
}

async function expectErrorPage(response: Response, label: string): Promise<string> {
  const body = await response.text();
  expect(response.status, label).toBe(400);
  expect(response.headers.get('location'), label).toBeNull();
  expect(response.headers.get('content-type'), label).toMatch(/^text\/html/);
  expect(body, label).toMatch(/<html/i);
  expect(body, label).not.toMatch(/[?&]code=/);
  return body;
}

const REGISTERED = 'http://localhost:5173/callback';

/** Known redirect_uri bypasses from real CVEs, adapted to the registered `http://localhost:5173/callback`. */
const CORPUS: [string, string][] = [
  ['extra path segment', `${REGISTERED}/evil`],
  ['path prefix match', `${REGISTERED}x`],
  ['trailing slash', `${REGISTERED}/`],
  ['added query', `${REGISTERED}?x=1`],
  ['fragment', `${REGISTERED}#f`],
  ['..;/ traversal', `${REGISTERED}/..;/evil`],
  ['%2e%2e traversal', `${REGISTERED}/%2e%2e/evil`],
  ['double-encoded traversal', 'http://localhost:5173/foo/%252E%252E/callback'],
  ['path letter case', 'http://localhost:5173/Callback'],
  ['host letter case', 'http://LOCALHOST:5173/callback'],
  ['scheme letter case', 'HTTP://localhost:5173/callback'],
  ['port 80', 'http://localhost:80/callback'],
  ['port omitted', 'http://localhost/callback'],
  ['other port', 'http://localhost:5174/callback'],
  ['userinfo trick @', 'http://localhost:5173@evil.example/callback'],
  ['userinfo trick %40', 'http://localhost:5173%40evil.example/callback'],
  ['added userinfo', 'http://a@localhost:5173/callback'],
  ['double @', 'http://a@b@localhost:5173/callback'],
  ['suffix domain', 'http://localhost:5173.evil.example/callback'],
  ['https scheme', 'https://localhost:5173/callback'],
  ['registered URI in the query of another', `http://evil.example/?${REGISTERED}`],
  ['loopback alias 127.0.0.1', 'http://127.0.0.1:5173/callback'],
  ['loopback alias [::1]', 'http://[::1]:5173/callback'],
  ['protocol-relative', '//evil.example/callback'],
  ['javascript: scheme', `javascript:alert(1)//${REGISTERED}`],
  ['leading space', ` ${REGISTERED}`],
  ['trailing %00', `${REGISTERED}%00`],
];

describe('redirect_uri exact match', () => {
  it.each(CORPUS)(
    'RFC 9700 §4.1.3; RFC 6749 §4.1.2.1: %s (%s) → 400 HTML page, no Location',
    async (label, redirectUri) => {
      const anonymous = await new ScriptedBrowser().request(
        authorizeUrl(issuer, spaParams({ redirect_uri: redirectUri })),
      );
      await expectErrorPage(anonymous, `${label} (no session)`);
      // With a session the engine would otherwise answer with a code right away.
      const withSession = await loggedIn.request(authorizeUrl(issuer, spaParams({ redirect_uri: redirectUri })));
      await expectErrorPage(withSession, `${label} (logged in)`);
    },
  );

  it('RFC 9700 §4.1.3 (control): the registered redirect_uri with a session redirects there with a code', async () => {
    const response = await loggedIn.request(authorizeUrl(issuer, spaParams({})));
    await response.body?.cancel();
    expect(response.status).toBeGreaterThanOrEqual(300);
    expect(response.status).toBeLessThan(400);
    const location = new URL(response.headers.get('location') ?? '', issuer);
    expect(`${location.origin}${location.pathname}`).toBe(REGISTERED);
    expect(location.searchParams.get('code')).toBeTruthy();
    expect(location.searchParams.get('state')).toBe('redirect-uri-state');
    expect(location.searchParams.get('iss')).toBe(issuer);
  });

  it('RFC 6749 §3.1: redirect_uri sent twice (registered + evil, either order) → invalid_request, never a code, never to evil', async () => {
    // The engine treats the duplicated parameter as invalid_request and, the SPA having a single registered
    // callback, reports it there (as it does for an omitted redirect_uri). That is not an open redirect: the
    // target is the registered URI and no code is minted.
    for (const order of [
      [REGISTERED, 'http://evil.example/callback'],
      ['http://evil.example/callback', REGISTERED],
    ]) {
      const url = authorizeUrl(issuer, spaParams({}));
      url.searchParams.delete('redirect_uri');
      for (const uri of order) url.searchParams.append('redirect_uri', uri);
      const response = await loggedIn.request(url);
      await response.body?.cancel();
      const raw = response.headers.get('location');
      if (response.status === 400) {
        expect(raw).toBeNull();
        continue;
      }
      expect(response.status).toBe(303);
      const location = new URL(raw ?? '');
      expect(`${location.origin}${location.pathname}${location.search.slice(0, 1)}`).toBe(`${REGISTERED}?`);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.has('code')).toBe(false);
      expect(location.searchParams.get('iss')).toBe(issuer);
    }
  });

  it('RFC 6749 §4.1.2.1: unknown client_id with an evil redirect_uri → 400, no Location', async () => {
    for (const browser of [new ScriptedBrowser(), loggedIn]) {
      const response = await browser.request(
        authorizeUrl(issuer, spaParams({ client_id: 'no-such-client', redirect_uri: 'https://evil.example/cb' })),
      );
      await expectErrorPage(response, 'unknown client');
    }
  });

  it('RFC 6749 §4.1.2.1: missing client_id with an evil redirect_uri → 400, no Location', async () => {
    const params = spaParams({ redirect_uri: 'https://evil.example/cb' });
    delete params.client_id;
    await expectErrorPage(await new ScriptedBrowser().request(authorizeUrl(issuer, params)), 'missing client_id');
  });

  it('RFC 6749 §4.1.2.1: a known client with an evil redirect_uri and an invalid request (bad response_type, no PKCE) → 400, no Location', async () => {
    const params = spaParams({ redirect_uri: 'https://evil.example/cb', response_type: 'token' });
    delete params.code_challenge;
    delete params.code_challenge_method;
    await expectErrorPage(await new ScriptedBrowser().request(authorizeUrl(issuer, params)), 'evil + bad request');
  });

  it('RFC 6749 §4.1.2.1: a client without any callback (M2M) at /authorize with an evil redirect_uri → 400, no Location', async () => {
    const response = await new ScriptedBrowser().request(
      authorizeUrl(issuer, spaParams({ client_id: 'orders-m2m-0001', redirect_uri: 'https://evil.example/cb' })),
    );
    await expectErrorPage(response, 'm2m client');
  });
});

describe('error page hardening', () => {
  it("RFC 9700 §4.16: the redirect_uri error page has CSP frame-ancestors 'none' and X-Frame-Options DENY", async () => {
    for (const params of [
      spaParams({ redirect_uri: 'https://evil.example/cb' }),
      spaParams({ client_id: 'no-such-client' }),
    ]) {
      const response = await new ScriptedBrowser().request(authorizeUrl(issuer, params));
      await expectErrorPage(response, params.client_id ?? '');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/(^|;)\s*frame-ancestors 'none'\s*(;|$)/);
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('markup in redirect_uri and state is escaped on the error page', async () => {
    const payload = '"><script>alert(1)</script><img src=x onerror=alert(2)>';
    const response = await new ScriptedBrowser().request(
      authorizeUrl(issuer, spaParams({ redirect_uri: `${REGISTERED}?${payload}`, state: payload })),
    );
    const body = await expectErrorPage(response, 'markup');
    expect(body).not.toContain('<script>alert(1)');
    expect(body).not.toContain('<img src=x');
    expect(body).not.toContain('"><script>');
  });

  it('RFC 9207 §2: a reflected state with "><script> and CRLF is URL-encoded in the Location of an error redirect, never raw', async () => {
    const state = '"><script>alert(1)</script>\r\nSet-Cookie: pwned=1\r\nX-Injected: yes';
    const params = spaParams({ state });
    delete params.code_challenge;
    delete params.code_challenge_method;
    const response = await new ScriptedBrowser().request(authorizeUrl(issuer, params));
    const body = await response.text();
    expect(response.status).toBeGreaterThanOrEqual(300);
    expect(response.status).toBeLessThan(400);
    const raw = response.headers.get('location') ?? '';
    expect(raw.startsWith(`${REGISTERED}?`)).toBe(true);
    for (const bad of ['<', '>', '"', '\r', '\n', ' ']) expect(raw).not.toContain(bad);
    const location = new URL(raw);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe(state);
    expect(location.searchParams.get('iss')).toBe(issuer);
    // No header splitting.
    expect(response.headers.get('x-injected')).toBeNull();
    expect(response.headers.getSetCookie().some((c) => c.includes('pwned'))).toBe(false);
    // A body, if any, does not carry the markup either.
    expect(body).not.toContain('<script>alert(1)');
  });
});
