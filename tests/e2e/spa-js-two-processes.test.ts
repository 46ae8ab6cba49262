import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres, type TestPostgres } from '@authmesh/testkit';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from './support/chromium.ts';
import { freePort, serveProcesses } from './support/serve-processes.ts';
import { decodeJwt } from './support/spa-js-fixture.ts';
import { type StaticServer, serveFiles } from './support/static-server.ts';

/*
 * The official auth0-spa-js in Chromium against two `authmesh serve` processes on one Postgres database, as
 * behind a load balancer: the login runs on A (the issuer's address); the browser's token requests are sent to
 * B (the code exchange and a refresh), then to A again (the next refresh). Each process rotates refresh tokens
 * the other issued, and the SDK never notices it talks to two processes.
 */

const require = createRequire(import.meta.url);
const API = 'https://catalog.two-processes.test';
const USER = { email: 'robin@two-processes.test', password: 'robin two processes 1234' };

const processes = serveProcesses();
let postgres: TestPostgres;
let spa: StaticServer;
let browser: Browser;
let issuer: string;
let urlB: string;

beforeAll(async () => {
  postgres = await startPostgres();
  const database = await postgres.createDatabase();
  spa = await serveFiles({
    '/': fileURLToPath(new URL('./pages/spa-js.html', import.meta.url)),
    '/auth0-spa-js.production.js': require.resolve('@auth0/auth0-spa-js/dist/auth0-spa-js.production.js'),
  });
  const portA = await freePort();
  issuer = `http://localhost:${portA}/`;
  const config = join(await mkdtemp(join(tmpdir(), 'authmesh-spa-two-')), 'tenant.yaml');
  await writeFile(
    config,
    `resourceServers:
  - name: Catalog API
    identifier: ${API}
    scopes: [{ value: read:catalog }]
    allow_offline_access: true
    skip_consent_for_verifiable_first_party_clients: true
clients:
  - name: Shop SPA
    app_type: spa
    client_id: two-processes-spa
    callbacks: [${spa.url}/]
    web_origins: [${spa.url}]
    allowed_origins: [${spa.url}]
    allowed_logout_urls: [${spa.url}/]
    grant_types: [authorization_code, refresh_token]
    refresh_token:
      rotation_type: rotating
      expiration_type: expiring
users:
  - email: ${USER.email}
    password: ${USER.password}
`,
  );
  await processes.serve({ config, database, port: portA, issuer });
  urlB = await processes.serve({ config, database, port: await freePort(), issuer });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await processes.stop();
  await spa?.close();
  await postgres?.stop();
});

it('auth0-spa-js: login on A, code exchange and refresh on B, the next refresh on A', async () => {
  const page = await (await browser.newContext()).newPage();
  const tokenRequests: { grant: string | null; servedBy: string }[] = [];
  const presented: string[] = [];
  let tokenTarget = urlB;
  // The load balancer: the browser's token requests go to whichever process the test names.
  await page.route(`${issuer}oauth/token`, (route) => {
    const body = new URLSearchParams(route.request().postData() ?? '');
    tokenRequests.push({ grant: body.get('grant_type'), servedBy: tokenTarget });
    const refreshToken = body.get('refresh_token');
    if (refreshToken !== null) presented.push(refreshToken);
    return route.continue({ url: `${tokenTarget}oauth/token` });
  });
  const options = {
    domain: issuer.slice(0, -1),
    clientId: 'two-processes-spa',
    useRefreshTokens: true,
    cacheLocation: 'localstorage',
    authorizationParams: { redirect_uri: `${spa.url}/`, audience: API, scope: 'openid profile read:catalog' },
  };
  await page.goto(`${spa.url}/#options=${encodeURIComponent(JSON.stringify(options))}`);
  await page.waitForFunction('window.spa.ready');
  await page.evaluate('spa.client.loginWithRedirect()');
  await page.waitForSelector('input[name="username"]');
  expect(page.url().startsWith(issuer)).toBe(true);
  await page.fill('input[name="username"]', USER.email);
  await page.fill('input[name="password"]', USER.password);
  await Promise.all([page.waitForURL(`${spa.url}/**`), page.click('button[type="submit"]')]);
  await page.waitForFunction('window.spa.ready');
  expect(await page.evaluate('spa.callbackError')).toBeUndefined();

  const onB = (await page.evaluate(`spa.client.getTokenSilently({ cacheMode: 'off' })`)) as string;
  tokenTarget = issuer;
  const onA = (await page.evaluate(`spa.client.getTokenSilently({ cacheMode: 'off' })`)) as string;
  for (const token of [onB, onA])
    expect(decodeJwt(token)).toMatchObject({ iss: issuer, aud: expect.arrayContaining([API]) });
  // A rotated the refresh token B had issued in its rotation: the second refresh presented B's successor.
  expect(presented).toHaveLength(2);
  expect(presented[1]).not.toBe(presented[0]);
  expect(tokenRequests).toStrictEqual([
    { grant: 'authorization_code', servedBy: urlB },
    { grant: 'refresh_token', servedBy: urlB },
    { grant: 'refresh_token', servedBy: issuer },
  ]);
}, 60_000);
