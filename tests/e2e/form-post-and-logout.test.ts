import { createTenant, type Tenant } from '@authmesh/server';
import { fixtureConfig, pkcePair } from '@authmesh/testkit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CallbackServer, serveCallbacks } from './support/callback-server.ts';
import { launchChromium } from './support/chromium.ts';

const SPA = 'spa-client-0001';
/** A bound on each wait, well under the test timeout, so a stuck page fails with what it waited for. */
const WAIT = 10_000;

/**
 * The two pages the engine renders itself with an inline auto-submit script, in a real browser under the
 * tenant's Content-Security-Policy: the `response_mode=form_post` answer, and `/oidc/logout` without a
 * session (the engine posts its own confirmation). If the policy blocked the script, the browser would
 * stay on a blank "Submitting Callback" page and never reach the application.
 */
describe('engine-rendered auto-submit pages in Chromium', () => {
  let tenant: Tenant;
  let app: CallbackServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    app = await serveCallbacks();
    const base = fixtureConfig();
    tenant = await createTenant({
      port: 0,
      dataDir: null,
      config: {
        ...base,
        clients: base.clients.map((c) =>
          c.client_id === SPA
            ? { ...c, callbacks: [`${app.url}/callback`], allowed_logout_urls: [`${app.url}/logged-out`] }
            : c,
        ),
      },
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await tenant?.close();
    await app?.close();
  });

  // What the browser reports it refused to run: the auto-submit must never be among it.
  const blockedByPolicy: string[] = [];

  // A fresh browser profile per test: no tenant session carries over from one test to the next.
  beforeEach(async () => {
    context = await browser.newContext();
    page = await context.newPage();
    app.received.length = 0;
    blockedByPolicy.length = 0;
    page.on('console', (message) => {
      if (message.type() === 'error' && message.text().includes('Content Security Policy')) {
        blockedByPolicy.push(message.text());
      }
    });
  });

  afterEach(async () => {
    await context?.close();
  });

  /** An authorization request of the SPA for `response_mode`, with a fresh PKCE pair. */
  function authorizeUrl(responseMode: 'form_post' | 'query', state: string): { url: string; verifier: string } {
    const { verifier, challenge } = pkcePair();
    const url = new URL('authorize', tenant.issuer);
    const params = {
      client_id: SPA,
      response_type: 'code',
      response_mode: responseMode,
      redirect_uri: `${app.url}/callback`,
      scope: 'openid profile',
      state,
      nonce: `nonce-${state}`,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return { url: url.href, verifier };
  }

  /** Signs in on the tenant's login page and waits until the browser is back at the application. */
  async function signIn(authorize: string): Promise<void> {
    await page.goto(authorize);
    await page.waitForSelector('input[name="username"]');
    await page.fill('input[name="username"]', 'alice@example.test');
    await page.fill('input[name="password"]', 'correct horse battery staple');
    await Promise.all([
      page.waitForURL(`${app.url}/callback**`, { timeout: WAIT }),
      page.click('button[type="submit"]'),
    ]);
    await page.waitForSelector('text=Callback received', { timeout: WAIT });
  }

  it('response_mode=form_post: the code and state reach the callback as a POST', async () => {
    const { url, verifier } = authorizeUrl('form_post', 'state-form-post');
    await signIn(url);

    expect(blockedByPolicy).toEqual([]);
    expect(app.received).toHaveLength(1);
    const [callback] = app.received;
    expect(callback).toMatchObject({ method: 'POST', path: '/callback' });
    expect(callback?.params).toMatchObject({ state: 'state-form-post', iss: tenant.issuer });
    // Nothing of the answer travels in the URL, where logs and the Referer header would see it.
    expect(new URL(page.url()).search).toBe('');

    // The posted code is a real one: the application redeems it.
    const token = await fetch(new URL('oauth/token', tenant.issuer), {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: SPA,
        code: callback?.params.code ?? '',
        code_verifier: verifier,
        redirect_uri: `${app.url}/callback`,
      }),
    });
    expect(token.status).toBe(200);
    expect(await token.json()).toHaveProperty('id_token');
  });

  it('/oidc/logout without a session goes on to the registered post_logout_redirect_uri with the state', async () => {
    await Promise.all([
      page.waitForURL(`${app.url}/logged-out?**`, { timeout: WAIT }),
      page.goto(
        logoutUrl({ client_id: SPA, post_logout_redirect_uri: `${app.url}/logged-out`, state: 'state-logout' }),
      ),
    ]);

    expect(blockedByPolicy).toEqual([]);
    expect(app.received).toEqual([{ method: 'GET', path: '/logged-out', params: { state: 'state-logout' } }]);
  });

  it('/oidc/logout without a session and nowhere to go shows the logged-out page', async () => {
    await page.goto(logoutUrl({}));
    await page.waitForSelector('h1:has-text("You are logged out")', { timeout: WAIT });

    expect(blockedByPolicy).toEqual([]);
    expect(new URL(page.url()).pathname).toBe('/oidc/logout/success');
    expect(app.received).toEqual([]);
  });

  it('the auto-submit page allows exactly its own script: a single hash in script-src, still never framed', async () => {
    const response = await fetch(logoutUrl({}));
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(await response.text()).toContain('document.forms[0].submit()');
    const scriptSources = csp.split('; ').filter((directive) => directive.startsWith('script-src'));
    expect(scriptSources).toEqual([expect.stringMatching(/^script-src 'sha256-[A-Za-z0-9+/]+=*'$/)]);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('/oidc/logout with a session asks first; "Yes" ends the session and goes to the post_logout_redirect_uri', async () => {
    await signIn(authorizeUrl('query', 'state-login').url);
    app.received.length = 0;

    await page.goto(logoutUrl({ client_id: SPA, post_logout_redirect_uri: `${app.url}/logged-out`, state: 'bye' }));
    await page.waitForSelector('h1:has-text("Log out?")', { timeout: WAIT });
    expect(await page.textContent('.lead')).toBe('Shop SPA asks to end your session.');
    await Promise.all([
      page.waitForURL(`${app.url}/logged-out?**`, { timeout: WAIT }),
      page.click('button[name="logout"]'),
    ]);
    expect(app.received).toEqual([{ method: 'GET', path: '/logged-out', params: { state: 'bye' } }]);

    // The session is gone: a new authorization request asks for credentials again.
    await page.goto(authorizeUrl('query', 'state-again').url);
    await page.waitForSelector('input[name="username"]', { timeout: WAIT });
    expect(blockedByPolicy).toEqual([]);
  });

  function logoutUrl(params: Record<string, string>): string {
    const url = new URL('oidc/logout', tenant.issuer);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url.href;
  }
});
