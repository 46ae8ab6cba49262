import { loginForCode, pkcePair, ScriptedBrowser } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { logoutUrlAllowed } from '../../src/engine/logout-urls.ts';
import { ALICE, authorizeUrl, BOB, SPA, startTenant, tokenRequest } from '../security/helpers.ts';

/**
 * `/oidc/logout` as Auth0 answers Auth0's regular-web-app SDKs: a valid `id_token_hint` for the user of
 * the session logs out at once (the page submits the engine's own form with "yes"); without one, or with
 * one for another user, the confirmation stays. Allowed Logout URLs match as Auth0 matches them: the
 * fixture SPA allows `http://localhost:5173/`, and the SDKs send their base URL `http://localhost:5173`.
 */
let tenant: Tenant;
let issuer: string;
const BASE_URL = 'http://localhost:5173';

beforeAll(async () => {
  tenant = await startTenant();
  issuer = tenant.issuer;
});
afterAll(() => tenant?.close());

/** `user` logs in to the SPA in `browser`; returns the ID token the app received. */
async function login(browser: ScriptedBrowser, user: { username: string; password: string } = ALICE) {
  const flow = await loginForCode({ issuer, clientId: SPA.clientId, redirectUri: SPA.redirectUri, ...user, browser });
  const reply = await tokenRequest(issuer, {
    grant_type: 'authorization_code',
    client_id: SPA.clientId,
    code: flow.code,
    code_verifier: flow.verifier,
    redirect_uri: SPA.redirectUri,
  });
  expect(reply.status, reply.text).toBe(200);
  return reply.json.id_token as string;
}

/** Whether `prompt=none` still finds a session in `browser`. */
async function hasSession(browser: ScriptedBrowser): Promise<boolean> {
  const url = authorizeUrl(issuer, {
    client_id: SPA.clientId,
    response_type: 'code',
    redirect_uri: SPA.redirectUri,
    scope: 'openid',
    state: 's',
    nonce: 'n',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
    prompt: 'none',
  });
  const { url: landed } = await browser.follow(url, SPA.redirectUri);
  return new URL(landed).searchParams.has('code');
}

function logoutUrl(params: Record<string, string>): URL {
  const url = new URL('oidc/logout', issuer);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url;
}

/** The hidden fields of the page's logout form and where it posts. */
function form(html: string): { action: string; fields: Record<string, string> } {
  const element = /<form[^>]*id="op\.logoutForm"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (!element) throw new Error(`no logout form in ${html.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const input of (element[1] ?? '').matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    if (name !== undefined) fields[name] = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
  }
  return { action: (/action="([^"]+)"/.exec(element[0])?.[1] ?? '').replace(/&amp;/g, '&'), fields };
}

describe('/oidc/logout with id_token_hint', () => {
  it('a valid hint for the session user: a page that submits "yes" by itself, allowed to run its one script', async () => {
    const browser = new ScriptedBrowser();
    const idToken = await login(browser);
    const page = await browser.request(logoutUrl({ id_token_hint: idToken, post_logout_redirect_uri: BASE_URL }));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain('Log out?');
    const { action, fields } = form(html);
    expect(fields).toEqual({ xsrf: expect.any(String), logout: 'yes' });
    expect(html).toContain('document.forms[0].submit()');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'/);

    // What the browser's auto-submit does: the engine ends the session and goes to the base URL.
    const confirmed = await browser.request(new URL(action, issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
    expect([302, 303]).toContain(confirmed.status);
    expect(confirmed.headers.get('location')).toBe(`${BASE_URL}/`);
    expect(await hasSession(browser)).toBe(false);
  });

  it('no hint: the confirmation stays (nothing ends until the user says yes)', async () => {
    const browser = new ScriptedBrowser();
    await login(browser);
    const page = await browser.request(logoutUrl({ client_id: SPA.clientId, post_logout_redirect_uri: BASE_URL }));
    const html = await page.text();
    expect(html).toContain('Log out?');
    expect(html).not.toContain('document.forms[0].submit()');
    expect(form(html).fields).toEqual({ xsrf: expect.any(String) });
    expect(page.headers.get('content-security-policy')).not.toContain('script-src');
    expect(await hasSession(browser)).toBe(true);
  });

  it("a valid hint for another user (not this session's): the confirmation stays", async () => {
    const bobsToken = await login(new ScriptedBrowser(), BOB);
    const browser = new ScriptedBrowser();
    await login(browser, ALICE);
    const html = await (await browser.request(logoutUrl({ id_token_hint: bobsToken }))).text();
    expect(html).toContain('Log out?');
    expect(form(html).fields).toEqual({ xsrf: expect.any(String) });
    expect(await hasSession(browser)).toBe(true);
  });

  it('a forged hint is refused by the engine: no page, no logout', async () => {
    const browser = new ScriptedBrowser();
    const idToken = await login(browser);
    const [header, payload] = idToken.split('.');
    const response = await browser.request(logoutUrl({ id_token_hint: `${header}.${payload}.${'A'.repeat(342)}` }));
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain('op.logoutForm');
    expect(await hasSession(browser)).toBe(true);
  });

  it('a post_logout_redirect_uri that is not allowed is refused even with a valid hint', async () => {
    const browser = new ScriptedBrowser();
    const idToken = await login(browser);
    const response = await browser.request(
      logoutUrl({ id_token_hint: idToken, post_logout_redirect_uri: 'http://localhost:5173.evil.example' }),
    );
    expect(response.status).toBe(400);
    expect(await hasSession(browser)).toBe(true);
  });
});

describe('/v2/logout returnTo', () => {
  it('the base URL without its trailing slash is the allowed `http://localhost:5173/`', async () => {
    const url = new URL('v2/logout', issuer);
    url.searchParams.set('client_id', SPA.clientId);
    url.searchParams.set('returnTo', BASE_URL);
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${BASE_URL}/`);
  });
});

describe('logoutUrlAllowed (Allowed Logout URLs as Auth0 matches them)', () => {
  it.each([
    [['http://localhost:3000/'], 'http://localhost:3000', true],
    [['http://localhost:3000'], 'http://localhost:3000/', true],
    [['http://localhost:3000'], 'http://localhost:3000', true],
    [['https://app.example.test/logged-out'], 'https://app.example.test/logged-out', true],
    // A path keeps its exact spelling, and nothing else is normalised.
    [['https://app.example.test/app'], 'https://app.example.test/app/', false],
    [['https://app.example.test/app/'], 'https://app.example.test/app', false],
    [['http://localhost:3000/'], 'http://localhost:3000/?next=/', false],
    [['http://localhost:3000/'], 'http://localhost:3001', false],
    [['http://localhost:3000/'], 'https://localhost:3000', false],
    [['http://localhost:3000/'], 'http://localhost:3000.evil.example', false],
    // Wildcard subdomains, with the same rule for a bare origin.
    [['https://*.example.test'], 'https://tenant-a.example.test/', true],
    [['https://*.example.test/'], 'https://tenant-a.example.test', true],
    [['https://*.example.test'], 'https://a.b.example.test', false],
  ])('%j allows %s: %s', (allowed, actual, expected) => {
    expect(logoutUrlAllowed(allowed, actual)).toBe(expected);
  });
});
