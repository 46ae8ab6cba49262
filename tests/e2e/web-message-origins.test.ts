import { createTenant, type Tenant } from '@authmesh/server';
import { fixtureConfig, pkcePair } from '@authmesh/testkit';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium.ts';
import { type StaticServer, serveHtml } from './support/static-server.ts';

/**
 * Silent authentication answers (`response_mode=web_message`) reach only the application's registered
 * web origin (docs/security.md, "Silent authentication"; RFC 9700 §4.16, §4.17): a page on a foreign origin that frames the authorize URL
 * receives no message, whatever redirect_uri it names.
 */
describe('web_message never reaches a foreign origin', () => {
  let tenant: Tenant;
  let app: StaticServer;
  let evil: StaticServer;
  let browser: Browser;

  const listener = `<!doctype html><html><body><script>
    window.received = [];
    window.addEventListener('message', (e) => window.received.push({ origin: e.origin, data: e.data }));
    window.frame = (src) => new Promise((resolve) => {
      const f = document.createElement('iframe');
      f.onload = () => resolve('loaded');
      f.src = src;
      document.body.appendChild(f);
    });
  </script></body></html>`;

  beforeAll(async () => {
    app = await serveHtml(listener);
    evil = await serveHtml(listener);
    const base = fixtureConfig();
    tenant = await createTenant({
      port: 0,
      dataDir: null,
      config: {
        ...base,
        clients: base.clients.map((c) =>
          c.app_type === 'spa'
            ? { ...c, callbacks: [`${app.url}/`], web_origins: [app.url], allowed_origins: [app.url] }
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
    await evil?.close();
  });

  function silentAuthorizeUrl(redirectUri: string): string {
    const url = new URL('authorize', tenant.issuer);
    const params = {
      client_id: 'spa-client-0001',
      response_type: 'code',
      response_mode: 'web_message',
      prompt: 'none',
      redirect_uri: redirectUri,
      scope: 'openid',
      state: 'st',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url.href;
  }

  type Received = { origin: string; data: { type?: string; response?: { error?: string } } }[];

  it('the registered origin receives the answer from the tenant origin (positive control)', async () => {
    const page = await browser.newPage();
    await page.goto(`${app.url}/`);
    await page.evaluate(`frame(${JSON.stringify(silentAuthorizeUrl(`${app.url}/`))})`);
    await page.waitForFunction('window.received.length > 0');
    const received = (await page.evaluate('window.received')) as Received;
    expect(received).toHaveLength(1);
    expect(received[0]?.origin).toBe(new URL(tenant.issuer).origin);
    expect(received[0]?.data).toMatchObject({ type: 'authorization_response', response: { error: 'login_required' } });
    await page.close();
  });

  it('a foreign origin that frames the authorize URL (with the registered redirect_uri) receives nothing', async () => {
    const page = await browser.newPage();
    await page.goto(`${evil.url}/`);
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (/frame-ancestors|Refused to (frame|display)/i.test(message.text())) blocked.push(message.text());
    });
    await page.evaluate(`frame(${JSON.stringify(silentAuthorizeUrl(`${app.url}/`))})`);
    // The frame's load event has fired; an answer page that ran would have posted synchronously by then.
    // Two defences hold: frame-ancestors blocks the framing, and the message targets the app's origin.
    const received = (await page.evaluate('window.received')) as Received;
    expect(received).toEqual([]);
    expect(blocked.length).toBeGreaterThan(0);
    await page.close();
  });

  it('a redirect_uri whose origin is not an allowed web origin gets an error page with no script', async () => {
    const response = await fetch(silentAuthorizeUrl(`${evil.url}/`));
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).not.toContain('<script');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});
