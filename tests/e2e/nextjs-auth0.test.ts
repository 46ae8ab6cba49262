import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Client, createTenant, ensureLocalCertificates, type Tenant } from '@authmesh/server';
import { fixtureConfig, freePort } from '@authmesh/testkit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium.ts';
import { decodeJwt } from './support/spa-js-fixture.ts';

const APP = fileURLToPath(new URL('./fixtures/nextjs-auth0-app.mjs', import.meta.url));
const CATALOG = 'https://catalog.example.test';
const CLIENT_ID = 'nextjs-app-0001';
const CLIENT_SECRET = 'nextjs-app-0001-secret-0123456789abcdef0123456789';
/** A bound on each wait, well under the test timeout, so a stuck page fails with what it waited for. */
const WAIT = 10_000;
const READY_TIMEOUT_MS = 30_000;

/**
 * @auth0/nextjs-auth0 v4, unchanged, in its own process, driven by Debian Chromium: login through the
 * SDK's /auth/login, `getAccessToken` for an API (and a forced refresh), and the SDK's /auth/logout,
 * which goes through `/oidc/logout` with an `id_token_hint` and is back at the app without a
 * confirmation page. Against a tenant on HTTPS (`authmesh dev --https`; the app started with
 * NODE_EXTRA_CA_CERTS = the tenant's local CA, Chromium trusting exactly the tenant's certificate key),
 * and on plain HTTP, which the SDK's `allowInsecureRequests` development option also allows.
 */
describe.each(['https', 'http'] as const)('@auth0/nextjs-auth0 v4 in Chromium, tenant over %s', (scheme) => {
  let dataDir: string;
  let tenant: Tenant;
  let app: ChildProcess;
  let appOutput = '';
  let appUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'authmesh-nextjs-'));
    const tls = scheme === 'https' ? await ensureLocalCertificates(join(dataDir, 'tls')) : undefined;
    const appPort = await freePort();
    appUrl = `http://localhost:${appPort}`;
    const base = fixtureConfig();
    const backOffice = base.clients.find((c) => c.app_type === 'regular_web');
    if (!backOffice) throw new Error('the fixture has no regular web app');
    const nextApp: Client = {
      ...backOffice,
      name: 'Next App',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['authorization_code', 'refresh_token'],
      callbacks: [`${appUrl}/auth/callback`],
      // The SDK sends its appBaseUrl, without the trailing slash: Auth0 treats the two as one URL.
      allowed_logout_urls: [`${appUrl}/`],
    };
    tenant = await createTenant({
      port: 0,
      dataDir,
      ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
      config: { ...base, clients: [...base.clients, nextApp] },
    });

    const env: NodeJS.ProcessEnv = { ...process.env, ...(tls ? { NODE_EXTRA_CA_CERTS: tls.caCertPath } : {}) };
    delete env.NODE_OPTIONS; // nothing of the test runner leaks into the "user's app"
    const options = {
      port: appPort,
      domain: `${scheme}://localhost:${tenant.port}`,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      audience: CATALOG,
      scope: 'openid profile email offline_access read:catalog',
      secret: randomBytes(32).toString('hex'),
    };
    app = spawn(process.execPath, [APP, JSON.stringify(options)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    app.stdout?.setEncoding('utf8').on('data', (chunk: string) => (appOutput += chunk));
    app.stderr?.setEncoding('utf8').on('data', (chunk: string) => (appOutput += chunk));
    await waitForReady(app, () => appOutput);

    if (tls) {
      const spki = new X509Certificate(tls.cert).publicKey.export({ type: 'spki', format: 'der' });
      const pin = createHash('sha256').update(spki).digest('base64');
      browser = await launchChromium([`--ignore-certificate-errors-spki-list=${pin}`]);
    } else {
      browser = await launchChromium();
    }
  });

  afterAll(async () => {
    await browser?.close();
    if (app && app.exitCode === null) {
      const exited = once(app, 'exit');
      app.kill('SIGTERM');
      await exited;
    }
    await tenant?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    context = await browser.newContext();
    page = await context.newPage();
  });

  afterEach(async () => {
    await context?.close();
  });

  async function appJson<T>(path: string): Promise<T> {
    const response = await page.goto(`${appUrl}${path}`);
    if (!response) throw new Error(`no response for ${path}`);
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`${path} answered ${response.status()}: ${text.slice(0, 300)}\n${appOutput}`);
    }
  }

  it(`serves the issuer over ${scheme}`, () => {
    expect(tenant.issuer).toBe(`${scheme}://localhost:${tenant.port}/`);
  });

  it('logs in, gets an API access token (and a refreshed one), logs out without a confirmation page', async () => {
    await page.goto(`${appUrl}/auth/login`);
    await page.waitForSelector('input[name="username"]', { timeout: WAIT });
    expect(page.url().startsWith(tenant.issuer)).toBe(true);
    await page.fill('input[name="username"]', 'alice@example.test');
    await page.fill('input[name="password"]', 'correct horse battery staple');
    await Promise.all([page.waitForURL(`${appUrl}/`, { timeout: WAIT }), page.click('button[type="submit"]')]);

    const home = await appJson<{ user: Record<string, unknown> | null }>('/');
    expect(home.user).toMatchObject({ email: 'alice@example.test', name: 'Alice Customer' });

    const first = await appJson<{ token: string; audience?: string }>('/token');
    expect(decodeJwt(first.token)).toMatchObject({
      iss: tenant.issuer,
      aud: [CATALOG, `${tenant.issuer}userinfo`],
      azp: CLIENT_ID,
      permissions: ['read:catalog'],
    });
    const refreshed = await appJson<{ token: string }>('/token?refresh=1');
    expect(decodeJwt(refreshed.token)).toMatchObject({ aud: [CATALOG, `${tenant.issuer}userinfo`], azp: CLIENT_ID });

    const visited: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) visited.push(frame.url());
    });
    await Promise.all([page.waitForURL(`${appUrl}/`, { timeout: WAIT }), page.goto(`${appUrl}/auth/logout`)]);
    const logout = visited.map((url) => new URL(url)).find((url) => url.href.startsWith(`${tenant.issuer}oidc/logout`));
    expect(logout?.searchParams.get('id_token_hint')).toEqual(expect.any(String));
    expect(logout?.searchParams.get('post_logout_redirect_uri')).toBe(appUrl);

    expect(await appJson('/')).toEqual({ user: null });
    // The tenant session ended too: the next login asks for the password again.
    await page.goto(`${appUrl}/auth/login`);
    await page.waitForSelector('input[name="username"]', { timeout: WAIT });
  });
});

async function waitForReady(child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!output().includes('READY ')) {
    if (child.exitCode !== null) throw new Error(`the nextjs-auth0 app exited (${child.exitCode}):\n${output()}`);
    if (Date.now() > deadline) throw new Error(`the nextjs-auth0 app was not ready in time:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
