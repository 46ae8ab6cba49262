// Your browser app's login, in Chromium, through the tenant's real login page.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTenant, type TestTenant } from '@authmesh/testing';
import { login } from '@authmesh/testing/playwright';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

let tenant: TestTenant;
let browser: Browser;
let app: string;
let stopApp: () => void;
beforeAll(async () => {
  // Stands in for your app: its login button sends the browser to the tenant, its callback greets.
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', app);
    if (url.pathname === '/login') {
      const authorize = new URL('authorize', tenant.issuer);
      authorize.search = new URLSearchParams({
        client_id: 'shop-app',
        response_type: 'code',
        redirect_uri: `${app}callback`,
        scope: 'openid profile',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      }).toString();
      res.writeHead(302, { location: authorize.href }).end();
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1>code: ${url.searchParams.has('code')}</h1>`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  app = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  stopApp = () => server.close();
  // The tenant registers the app where it runs: tenant.yaml says callbacks: ["##APP_URL##"].
  tenant = await startTenant({
    file: 'tests/e2e/fixtures/kit-tenant.yaml',
    env: { APP_URL: `${app}callback`, APP_ORIGIN: app.slice(0, -1) },
  });
  // Debian's Chromium here; leave executablePath out to use the browser `npx playwright install` fetched.
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
});
afterAll(async () => {
  await browser.close();
  await tenant.stop();
  stopApp();
});

it('logs a user in on the real login page and comes back to the app with a code', async () => {
  const page = await browser.newPage();
  await page.goto(`${app}login`);

  await login(tenant, page, 'customer@acme.test', { returnTo: `${app}callback**` });

  await expect(page.textContent('h1')).resolves.toBe('code: true');
});
