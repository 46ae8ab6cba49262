import { loginForCode, pkcePair, ScriptedBrowser } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import {
  ALICE,
  authorizeUrl,
  BACKOFFICE,
  basicAuth,
  CATALOG,
  type JsonReply,
  readReply,
  SPA,
  startTenant,
  tokenRequest,
} from '../security/helpers.ts';

/**
 * Logout and revocation as SDKs observe them (docs/security.md, "Logout"):
 * `/v2/logout` (spa-js `logout()`), `/oidc/logout` (RP-initiated logout, openid-client / express-openid-connect)
 * and `/oauth/revoke` (spa-js `revokeRefreshToken()`).
 */
let tenant: Tenant;
let issuer: string;

const RETURN_TO = 'http://localhost:5173/';
const UNKNOWN_RT = { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' };

beforeAll(async () => {
  tenant = await startTenant();
  issuer = tenant.issuer;
});
afterAll(() => tenant?.close());

/** Alice logs in to the SPA in `browser` (a fresh one by default) with offline access to the catalog API. */
async function login(browser: ScriptedBrowser = new ScriptedBrowser()) {
  const flow = await loginForCode({
    issuer,
    clientId: SPA.clientId,
    redirectUri: SPA.redirectUri,
    ...ALICE,
    scope: 'openid profile offline_access read:catalog',
    audience: CATALOG,
    browser,
  });
  const reply = await tokenRequest(issuer, {
    grant_type: 'authorization_code',
    client_id: SPA.clientId,
    code: flow.code,
    code_verifier: flow.verifier,
    redirect_uri: SPA.redirectUri,
  });
  expect(reply.status, reply.text).toBe(200);
  expect(typeof reply.json.refresh_token).toBe('string');
  return { browser, refreshToken: reply.json.refresh_token as string };
}

function refresh(refreshToken: string): Promise<JsonReply> {
  return tokenRequest(issuer, { grant_type: 'refresh_token', client_id: SPA.clientId, refresh_token: refreshToken });
}

/** spa-js silent authentication (as a redirect): where does `prompt=none` land for this browser? */
async function silentAuth(browser: ScriptedBrowser): Promise<URLSearchParams> {
  const url = authorizeUrl(issuer, {
    client_id: SPA.clientId,
    response_type: 'code',
    redirect_uri: SPA.redirectUri,
    scope: 'openid profile',
    state: 'silent-state',
    nonce: 'silent-nonce',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
    prompt: 'none',
  });
  const { url: landed, response } = await browser.follow(url, SPA.redirectUri);
  expect(landed.startsWith(SPA.redirectUri), `prompt=none ended at ${landed} (${response.status})`).toBe(true);
  const params = new URL(landed).searchParams;
  expect(params.get('state')).toBe('silent-state');
  return params;
}

async function expectLoggedIn(browser: ScriptedBrowser): Promise<void> {
  const params = await silentAuth(browser);
  expect(params.get('error')).toBeNull();
  expect(params.get('code')).toBeTruthy();
}

async function expectLoggedOut(browser: ScriptedBrowser): Promise<void> {
  const params = await silentAuth(browser);
  expect(params.get('code')).toBeNull();
  expect(params.get('error')).toBe('login_required');
}

function v2Logout(browser: ScriptedBrowser, params: Record<string, string>): Promise<Response> {
  const url = new URL('v2/logout', issuer);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return browser.request(url);
}

async function expectRefused(response: Response): Promise<void> {
  expect(response.status).toBe(400);
  expect(response.headers.get('location')).toBeNull();
  expect(response.headers.get('content-type')).toMatch(/html/);
  await response.body?.cancel();
}

/** The `<form id="op.logoutForm">` of the /oidc/logout confirmation page: its action and hidden fields. */
function logoutForm(html: string, base: string): { action: URL; fields: Record<string, string> } {
  const form = /<form[^>]*id="op\.logoutForm"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  expect(form, 'confirmation page has the logout form').not.toBeNull();
  const action = /action="([^"]+)"/.exec(form?.[0] ?? '')?.[1];
  expect(action).toBeTruthy();
  const fields: Record<string, string> = {};
  for (const input of (form?.[1] ?? '').matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1];
    if (name !== undefined) fields[name] = value ?? '';
  }
  return { action: new URL((action ?? '').replace(/&amp;/g, '&'), base), fields };
}

describe('/v2/logout', () => {
  it('client_id + allow-listed returnTo → 302 to it, and the session is gone (prompt=none → login_required)', async () => {
    const { browser } = await login();
    await expectLoggedIn(browser);
    const response = await v2Logout(browser, { client_id: SPA.clientId, returnTo: RETURN_TO });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(RETURN_TO);
    await expectLoggedOut(browser);
  });

  it('the auth0Client query parameter spa-js appends is ignored', async () => {
    const { browser } = await login();
    const auth0Client = Buffer.from(JSON.stringify({ name: 'auth0-spa-js', version: '2.0.0' })).toString('base64');
    const response = await v2Logout(browser, { client_id: SPA.clientId, returnTo: RETURN_TO, auth0Client });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(RETURN_TO);
    await expectLoggedOut(browser);
  });

  it('a returnTo that is not allow-listed → 400 page, no Location', async () => {
    for (const returnTo of [
      'http://evil.example/',
      'https://app.example.test/',
      'http://localhost:5173/@evil.example',
    ]) {
      await expectRefused(await v2Logout(new ScriptedBrowser(), { client_id: SPA.clientId, returnTo }));
    }
  });

  it('an unknown client_id → 400, no Location', async () => {
    await expectRefused(await v2Logout(new ScriptedBrowser(), { client_id: 'no-such-client', returnTo: RETURN_TO }));
  });

  it("no client_id and an empty tenant list → 400 for any returnTo, even a client's allowed URL", async () => {
    for (const returnTo of [RETURN_TO, 'http://evil.example/']) {
      await expectRefused(await v2Logout(new ScriptedBrowser(), { returnTo }));
    }
  });

  it("client_id without returnTo → redirect to the application's first Allowed Logout URL", async () => {
    const { browser } = await login();
    const response = await v2Logout(browser, { client_id: SPA.clientId });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(RETURN_TO);
    await expectLoggedOut(browser);
    const backoffice = await v2Logout(new ScriptedBrowser(), { client_id: BACKOFFICE.clientId });
    expect(backoffice.status).toBe(302);
    expect(backoffice.headers.get('location')).toBe('https://app.example.test/');
  });

  it('logging out ends the session but does not revoke refresh tokens (Auth0 logout kills the SSO session only)', async () => {
    const { browser, refreshToken } = await login();
    const response = await v2Logout(browser, { client_id: SPA.clientId, returnTo: RETURN_TO });
    expect(response.status).toBe(302);
    await expectLoggedOut(browser);
    const refreshed = await refresh(refreshToken);
    expect(refreshed.status, refreshed.text).toBe(200);
  });
});

describe('/oidc/logout', () => {
  it('a post_logout_redirect_uri that is not allowed for the client → error page, no redirect to it', async () => {
    const { browser } = await login();
    const url = new URL('oidc/logout', issuer);
    url.searchParams.set('client_id', SPA.clientId);
    url.searchParams.set('post_logout_redirect_uri', 'http://evil.example/');
    const response = await browser.request(url);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).not.toMatch(/action="http:\/\/evil\.example/);
    await expectLoggedIn(browser); // nothing happened
  });

  it('without client_id an arbitrary post_logout_redirect_uri is ignored: confirming never leads to it', async () => {
    const { browser } = await login();
    const url = new URL('oidc/logout', issuer);
    url.searchParams.set('post_logout_redirect_uri', 'http://evil.example/');
    const page = await browser.request(url);
    expect(page.headers.get('location')).toBeNull();
    const html = await page.text();
    expect(html).not.toContain('evil.example');
    const { action, fields } = logoutForm(html, url.href);
    const { url: landed } = await browser.follow(action, 'http://evil.example', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, logout: 'yes' }),
    });
    expect(landed.startsWith('http://evil.example')).toBe(false);
    expect(landed.startsWith(issuer)).toBe(true);
    await expectLoggedOut(browser);
  });

  it('an allowed post_logout_redirect_uri + client_id → a confirmation form that, submitted, ends the session and redirects there with state', async () => {
    const { browser } = await login();
    const url = new URL('oidc/logout', issuer);
    url.searchParams.set('client_id', SPA.clientId);
    url.searchParams.set('post_logout_redirect_uri', RETURN_TO);
    url.searchParams.set('state', 'bye+/=');
    const page = await browser.request(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/html/);
    const html = await page.text();
    const { action, fields } = logoutForm(html, url.href);
    expect(action.href).toBe(`${issuer}oidc/logout/confirm`);
    expect(fields.xsrf).toBeTruthy();

    // Not yet logged out: the page only asks.
    await expectLoggedIn(browser);

    const confirmed = await browser.request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, logout: 'yes' }),
    });
    expect([302, 303]).toContain(confirmed.status);
    const location = new URL(confirmed.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(RETURN_TO);
    expect(location.searchParams.get('state')).toBe('bye+/=');
    await expectLoggedOut(browser);
  });

  it('the confirmation refuses a forged xsrf token: no logout', async () => {
    const { browser } = await login();
    const url = new URL('oidc/logout', issuer);
    url.searchParams.set('client_id', SPA.clientId);
    url.searchParams.set('post_logout_redirect_uri', RETURN_TO);
    const { action } = logoutForm(await (await browser.request(url)).text(), url.href);
    const forged = await browser.request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf: 'forged', logout: 'yes' }),
    });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.headers.get('location')).toBeNull();
    await forged.body?.cancel();
    await expectLoggedIn(browser);
  });

  // The engine skips revoking grants that hold offline_access on logout (persistsLogout), which is what
  // keeps this true.
  it('logging out through /oidc/logout does not revoke refresh tokens either', async () => {
    const { browser, refreshToken } = await login();
    const url = new URL('oidc/logout', issuer);
    url.searchParams.set('client_id', SPA.clientId);
    url.searchParams.set('post_logout_redirect_uri', RETURN_TO);
    const { action, fields } = logoutForm(await (await browser.request(url)).text(), url.href);
    const confirmed = await browser.request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, logout: 'yes' }),
    });
    expect([302, 303]).toContain(confirmed.status);
    await expectLoggedOut(browser);
    const refreshed = await refresh(refreshToken);
    expect(refreshed.status, refreshed.text).toBe(200);
  });
});

describe('/oauth/revoke', () => {
  async function revoke(
    body: Record<string, string>,
    encoding: 'form' | 'json',
    headers: Record<string, string> = {},
  ): Promise<JsonReply> {
    const response = await fetch(new URL('oauth/revoke', issuer), {
      method: 'POST',
      headers: {
        'content-type': encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
        ...headers,
      },
      body: encoding === 'json' ? JSON.stringify(body) : new URLSearchParams(body),
    });
    return readReply(response);
  }

  for (const encoding of ['form', 'json'] as const) {
    it(`public SPA client, ${encoding} body with token_type_hint=refresh_token → 200 empty body; the refresh token is then refused`, async () => {
      const { refreshToken } = await login();
      const reply = await revoke(
        { client_id: SPA.clientId, token: refreshToken, token_type_hint: 'refresh_token' },
        encoding,
      );
      expect(reply.status).toBe(200);
      expect(reply.text).toBe('');
      const refreshed = await refresh(refreshToken);
      expect(refreshed.status).toBe(403);
      expect(refreshed.json).toEqual(UNKNOWN_RT);
    });
  }

  it('revoking an unknown or already revoked token → 200', async () => {
    const unknown = await revoke(
      { client_id: SPA.clientId, token: 'v1.not-a-token', token_type_hint: 'refresh_token' },
      'form',
    );
    expect(unknown.status).toBe(200);
    expect(unknown.text).toBe('');
    const { refreshToken } = await login();
    for (let i = 0; i < 2; i++) {
      const reply = await revoke({ client_id: SPA.clientId, token: refreshToken }, 'json');
      expect(reply.status).toBe(200);
    }
  });

  it('revoking the newest token of a rotated family makes the whole family unusable', async () => {
    const { refreshToken: rt1 } = await login();
    const rotated = await refresh(rt1);
    expect(rotated.status).toBe(200);
    const rt2 = rotated.json.refresh_token as string;
    expect((await revoke({ client_id: SPA.clientId, token: rt2 }, 'form')).status).toBe(200);
    expect((await refresh(rt2)).json).toEqual(UNKNOWN_RT);
    expect((await refresh(rt1)).json).toEqual(UNKNOWN_RT);
  });

  it('revoking one login’s refresh token leaves another login’s refresh token (same browser) working', async () => {
    const browser = new ScriptedBrowser();
    const first = await login(browser);
    const second = await login(browser);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await revoke({ client_id: SPA.clientId, token: first.refreshToken }, 'form')).status).toBe(200);
    expect((await refresh(first.refreshToken)).status).toBe(403);
    const other = await refresh(second.refreshToken);
    expect(other.status, other.text).toBe(200);
  });

  it('a confidential client with a wrong secret → 401 (body or Basic), and the token stays valid', async () => {
    const viaBody = await revoke(
      { client_id: BACKOFFICE.clientId, client_secret: 'wrong-secret', token: 'v1.whatever' },
      'form',
    );
    expect(viaBody.status).toBe(401);
    expect(typeof viaBody.json.error).toBe('string');
    const viaBasic = await revoke({ token: 'v1.whatever' }, 'form', {
      authorization: basicAuth(BACKOFFICE.clientId, 'wrong-secret'),
    });
    expect(viaBasic.status).toBe(401);
    // control: the right secret is accepted
    const ok = await revoke(
      { client_id: BACKOFFICE.clientId, client_secret: BACKOFFICE.clientSecret, token: 'v1.whatever' },
      'json',
    );
    expect(ok.status).toBe(200);
  });

  it("the SPA's refresh token revoked by another client is not revoked (and that client is told so or gets 200)", async () => {
    const { refreshToken } = await login();
    const reply = await revoke(
      { client_id: BACKOFFICE.clientId, client_secret: BACKOFFICE.clientSecret, token: refreshToken },
      'form',
    );
    expect(reply.status).toBeLessThan(500);
    const refreshed = await refresh(refreshToken);
    expect(refreshed.status, refreshed.text).toBe(200);
  });
});
