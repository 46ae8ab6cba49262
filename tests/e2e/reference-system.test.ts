import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { login as fillLoginPage } from '@authmesh/testing/playwright';
import { type Browser, type BrowserContext, chromium, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium.ts';
import { type ReferenceSystem, startReferenceSystem } from './support/reference-system.ts';

/*
 * The reference system as a person uses it: `startReferenceSystem()` runs `examples/start.ts` (tenant, three
 * APIs, the SPA's Vite server) on free ports, and Chromium drives the React SPA through its data-testids.
 * Network assertions read what the browser actually sent to the tenant (main frame and hidden iframe).
 * The login round trip is measured by the SPA itself (`window.__authmeshMetrics`) and printed.
 */

const AUDIENCES = {
  catalog: 'https://catalog.acme.test',
  orders: 'https://orders.acme.test',
  inventory: 'https://inventory.acme.test',
} as const;
type ApiName = keyof typeof AUDIENCES;

const USERS = {
  customer: { username: 'customer@acme.test', password: 'customer-demo-password' },
  staff: { username: 'staff@acme.test', password: 'staff-demo-password' },
} as const;

type Mode = 'iframe' | 'refresh';

/** What the SPA puts on `window.__authmeshMetrics` once it holds (or failed to get) a token per API. */
interface Metrics {
  loginRoundTripMs: number;
  mode: Mode;
  tokens: Record<ApiName, string>;
}

/** The SPA's requests to the tenant, as the browser sent them (main frame and the hidden iframe alike). */
interface TenantTraffic {
  /** `/authorize` requests: the query, whether a hidden iframe sent it, and the Cookie header it carried. */
  authorize: { params: URLSearchParams; inIframe: boolean; request: Request }[];
  /** `/oauth/token` request bodies. */
  token: URLSearchParams[];
}

/** Login round trips measured by the SPA (click → access tokens for the three audiences), printed at the end. */
const figures: string[] = [];

const sel = (testId: string) => `[data-testid="${testId}"]`;

/**
 * Opens the SPA in a fresh page of `context`, in the given silent-auth mode (chosen through the SPA's own
 * switch, which stores it and reloads), recording every request to the tenant.
 */
async function openSpa(
  context: BrowserContext,
  system: ReferenceSystem,
  mode: Mode,
): Promise<{ page: Page; traffic: TenantTraffic }> {
  const page = await context.newPage();
  const tenantOrigin = new URL(system.tenantIssuer).origin;
  const traffic: TenantTraffic = { authorize: [], token: [] };
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin !== tenantOrigin) return;
    if (url.pathname === '/authorize') {
      traffic.authorize.push({ params: url.searchParams, inIframe: request.frame() !== page.mainFrame(), request });
    } else if (url.pathname === '/oauth/token' && request.method() === 'POST') {
      traffic.token.push(new URLSearchParams(request.postData() ?? ''));
    }
  });
  await page.goto(system.spaUrl);
  await page.waitForSelector(sel('login'));
  if ((await page.getAttribute(sel('mode-switch'), 'data-mode')) !== mode) {
    await page.click(sel(`mode-${mode}`));
    await page.waitForSelector(`${sel('mode-switch')}[data-mode="${mode}"]`);
    await page.waitForSelector(sel('login'));
  }
  return { page, traffic };
}

/** The one login: the SPA's button, the tenant's login page, back to the SPA with a code (PKCE). */
async function login(page: Page, system: ReferenceSystem, user: keyof typeof USERS): Promise<void> {
  await page.click(sel('login'));
  const { username: email, password } = USERS[user];
  await fillLoginPage({ issuer: system.tenantIssuer }, page, { email, password }, { returnTo: `${system.spaUrl}**` });
}

/** Waits for the SPA's login figure; records it for the summary. */
async function loginMetrics(page: Page, label: string): Promise<Metrics> {
  const handle = await page.waitForFunction('window.__authmeshMetrics', undefined, { timeout: 20_000 });
  const metrics = (await handle.jsonValue()) as Metrics;
  const line = `${label}: ${metrics.loginRoundTripMs} ms (tokens: ${Object.entries(metrics.tokens)
    .map(([api, outcome]) => `${api} ${outcome}`)
    .join(', ')})`;
  figures.push(line);
  console.log(`[login round trip, click → access tokens for 3 audiences] ${line}`);
  return metrics;
}

/** The token panel's card for an API: its state and, when it holds a token, the decoded claims it shows. */
async function tokenCard(page: Page, api: ApiName) {
  const card = page.locator(sel(`token-card-${api}`));
  await expect.poll(() => card.getAttribute('data-state')).not.toBe('pending');
  const state = await card.getAttribute('data-state');
  const claim = async (name: string) => (state === 'ok' ? ((await card.locator(sel(name)).textContent()) ?? '') : '');
  return {
    state,
    aud: await claim('claim-aud'),
    scope: await claim('claim-scope'),
    permissions: await claim('claim-permissions'),
  };
}

/** The token panel's row for the latest call to `api` with `method` and the given status. */
function callRow(page: Page, api: ApiName, method: string, status: number) {
  return page
    .locator(`${sel('token-row')}[data-api="${api}"][data-status="${status}"]`)
    .filter({ hasText: method })
    .first();
}

const grantsOf = (traffic: TenantTraffic) => traffic.token.map((body) => body.get('grant_type'));
const silentAuthorize = (traffic: TenantTraffic) => traffic.authorize.filter((a) => a.params.get('prompt') === 'none');

async function expectThreeTokens(page: Page): Promise<void> {
  for (const api of ['catalog', 'orders', 'inventory'] as const) {
    const card = await tokenCard(page, api);
    expect(card.state, `token for ${api}`).toBe('ok');
    // One token per API: each names its own API as audience, and no other API.
    expect(card.aud).toContain(AUDIENCES[api]);
    for (const other of Object.values(AUDIENCES).filter((a) => a !== AUDIENCES[api])) {
      expect(card.aud).not.toContain(other);
    }
  }
}

describe('the reference system in Chromium: one login, three APIs', () => {
  let system: ReferenceSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const freshContext = async () => {
    const context = await browser.newContext();
    contexts.push(context);
    return context;
  };

  beforeAll(async () => {
    [system, browser] = await Promise.all([startReferenceSystem(), launchChromium()]);
  });

  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => {})));
    await browser?.close();
    await system?.stop();
  });

  it('customer: sees the catalog (API 1), places an order (API 2 → API 1 M2M), is refused inventory (403 from API 3)', async () => {
    const { page } = await openSpa(await freshContext(), system, 'iframe');
    await login(page, system, 'customer');
    await loginMetrics(page, 'customer, iframe mode');
    await expect.poll(() => page.textContent(sel('user-email'))).toContain('customer@acme.test');
    // auth0-react's user holds the ID token's claims: the roles the tenant's post-login action added.
    await expect.poll(() => page.textContent(sel('user-roles'))).toContain('Customer');

    // API 1: the catalog, with a token for the catalog only.
    await page.waitForSelector(sel('catalog'));
    expect(await page.locator(sel('product')).count()).toBeGreaterThan(0);
    await expect.poll(() => callRow(page, 'catalog', 'GET', 200).count()).toBe(1);
    const catalog = await tokenCard(page, 'catalog');
    expect(catalog.permissions).toContain('read:products');

    // API 2: place an order; the Orders API reads the product from API 1 with its own M2M token.
    await page.click(sel('tab-orders'));
    await page.waitForSelector(sel('orders'));
    const productId = await page
      .locator(`${sel('order-product')} option`)
      .nth(1)
      .getAttribute('value');
    const productName = (
      await page
        .locator(`${sel('order-product')} option`)
        .nth(1)
        .textContent()
    )?.split(' · ')[0];
    await page.selectOption(sel('order-product'), productId!);
    await page.fill(sel('order-quantity'), '2');
    await page.click(sel('place-order'));
    const placed = page.locator(sel('order-placed'));
    await placed.waitFor();
    expect(await placed.textContent()).toContain(`2 × ${productName}`);
    const orderId = await placed.getAttribute('data-order-id');
    await page.locator(`${sel('order')}[data-order-id="${orderId}"]`).waitFor();
    const post = callRow(page, 'orders', 'POST', 201);
    await post.waitFor();
    expect(await post.getAttribute('data-audience')).toBe(AUDIENCES.orders);
    expect(await post.locator(sel('claim-scope')).textContent()).toContain('create:orders');

    // API 3: no Inventory screen for a customer, but trying anyway reaches the API, which refuses.
    expect(await page.locator(sel('tab-inventory')).count()).toBe(0);
    expect(await page.textContent(sel('inventory-locked'))).toContain('read:inventory');
    await page.click(sel('inventory-try-anyway'));
    const refusal = page.locator(sel('api-error'));
    await refusal.waitFor();
    expect(await refusal.getAttribute('data-status')).toBe('403');
    expect(await refusal.getAttribute('data-error')).toBe('insufficient_scope');
    expect(await page.textContent(sel('api-error-www-authenticate'))).toMatch(/^Bearer .*error="insufficient_scope"/);
    // The token was for API 3, valid, and simply without the permission.
    const refused = callRow(page, 'inventory', 'GET', 403);
    expect(await refused.getAttribute('data-audience')).toBe(AUDIENCES.inventory);
    expect(await refused.locator(sel('claim-permissions')).textContent()).not.toContain('read:inventory');
  });

  it('staff: adjusts stock on the Inventory screen (API 3 → API 1 M2M) and the catalog shows the change', async () => {
    const { page } = await openSpa(await freshContext(), system, 'iframe');
    await login(page, system, 'staff');
    await page.waitForSelector(sel('catalog'));
    expect((await tokenCard(page, 'inventory')).permissions).toContain('adjust:inventory');

    await page.click(sel('tab-inventory'));
    await page.waitForSelector(sel('inventory'));
    const row = page.locator(sel('inventory-item')).first();
    const productId = await row.getAttribute('data-product-id');
    const before = Number(await row.locator(sel('inventory-stock')).textContent());

    await row.locator(sel('receive-5')).click();
    await expect.poll(async () => Number(await row.locator(sel('inventory-stock')).textContent())).toBe(before + 5);
    await row.locator(sel('write-off-1')).click();
    await expect.poll(async () => Number(await row.locator(sel('inventory-stock')).textContent())).toBe(before + 4);
    const adjustment = callRow(page, 'inventory', 'POST', 200);
    expect(await adjustment.getAttribute('data-audience')).toBe(AUDIENCES.inventory);
    expect(await adjustment.locator(sel('claim-scope')).textContent()).toContain('adjust:inventory');

    // API 1 has the new stock: the Inventory API changed it there with its own client grant (write:stock).
    await page.click(sel('tab-catalog'));
    const product = page.locator(`${sel('product')}[data-product-id="${productId}"]`);
    await expect.poll(async () => Number(await product.locator(sel('product-stock')).textContent())).toBe(before + 4);
  });

  it('iframe mode: the tokens for all three audiences come silently from the hidden iframe, without refresh tokens', async () => {
    const { page, traffic } = await openSpa(await freshContext(), system, 'iframe');
    await login(page, system, 'staff');
    const metrics = await loginMetrics(page, 'staff, iframe mode');
    expect(metrics).toMatchObject({ mode: 'iframe', tokens: { catalog: 'ok', orders: 'ok', inventory: 'ok' } });
    await expectThreeTokens(page);

    // The login: one top-level /authorize for the catalog. Then one prompt=none iframe per other API.
    const silent = silentAuthorize(traffic);
    expect(silent.map((a) => a.params.get('audience')).sort()).toEqual([AUDIENCES.inventory, AUDIENCES.orders]);
    for (const a of silent) {
      expect(a.inIframe).toBe(true);
      expect(a.params.get('response_mode')).toBe('web_message');
    }
    expect(grantsOf(traffic)).toEqual(['authorization_code', 'authorization_code', 'authorization_code']);
    expect(traffic.token.some((body) => body.has('refresh_token'))).toBe(false);
    expect(traffic.authorize[0]?.params.get('scope')).not.toContain('offline_access');
  });

  it('refresh-token mode (MRRT): one refresh token yields the orders and inventory tokens, with no iframe', async () => {
    const { page, traffic } = await openSpa(await freshContext(), system, 'refresh');
    await login(page, system, 'staff');
    const metrics = await loginMetrics(page, 'staff, refresh-token mode (MRRT)');
    expect(metrics).toMatchObject({ mode: 'refresh', tokens: { catalog: 'ok', orders: 'ok', inventory: 'ok' } });
    await expectThreeTokens(page);

    expect(silentAuthorize(traffic)).toEqual([]);
    expect(page.frames()).toHaveLength(1);
    expect(traffic.authorize[0]?.params.get('scope')).toContain('offline_access');
    expect(grantsOf(traffic)).toEqual(['authorization_code', 'refresh_token', 'refresh_token']);
    const refreshes = traffic.token.filter((body) => body.get('grant_type') === 'refresh_token');
    expect(refreshes.map((body) => body.get('audience'))).toEqual([AUDIENCES.orders, AUDIENCES.inventory]);
    // Rotation: each refresh presented the refresh token the previous answer returned, never one twice.
    const presented = refreshes.map((body) => body.get('refresh_token'));
    expect(new Set(presented).size).toBe(presented.length);

    // The refresh token lives in localStorage: a reload keeps the session without any tenant round trip
    // but the token requests it needs.
    await page.reload();
    await page.waitForSelector(sel('catalog'));
    await expectThreeTokens(page);
    expect(silentAuthorize(traffic)).toEqual([]);
  });

  it('refresh-token mode: for a customer, auth0-spa-js refuses an inventory token without the asked-for scope', async () => {
    const { page, traffic } = await openSpa(await freshContext(), system, 'refresh');
    await login(page, system, 'customer');
    await page.waitForSelector(sel('catalog'));
    const inventory = await tokenCard(page, 'inventory');
    expect(inventory.state).toBe('error');
    expect(await page.getAttribute(`${sel('token-card-inventory')} ${sel('token-error')}`, 'data-error')).toBe(
      'missing_scopes',
    );
    // The tenant answered (RBAC dropped read:inventory); the SDK refused the token: MRRT demands every scope.
    expect(traffic.token.some((b) => b.get('audience') === AUDIENCES.inventory)).toBe(true);
    await page.click(sel('inventory-try-anyway'));
    const refusal = page.locator(sel('api-error'));
    await refusal.waitFor();
    expect(await refusal.getAttribute('data-status')).toBe('no-token');
    expect(await refusal.getAttribute('data-error')).toBe('missing_scopes');
    // Placing an order asks for create:orders on top of read:orders, and the customer holds it.
    await page.click(sel('tab-orders'));
    await page.waitForSelector(sel('orders'));
    await page.click(sel('place-order'));
    await page.waitForSelector(sel('order-placed'));
  });

  it('after logout, silent authentication fails with login_required', async () => {
    const { page } = await openSpa(await freshContext(), system, 'iframe');
    await login(page, system, 'customer');
    await page.waitForSelector(sel('catalog'));
    await Promise.all([page.waitForURL(`${system.spaUrl}**`), page.click(sel('logout'))]);
    await page.waitForSelector(sel('welcome'));
    await page.click(sel('check-session'));
    const check = page.locator(sel('session-check'));
    await check.waitFor();
    expect(await check.getAttribute('data-error')).toBe('login_required');
  });
});

/**
 * Chromium with an explicit third-party-cookie setting, in its own profile. In Chromium 156 the
 * `--test-third-party-cookie-phaseout` switch changes nothing; what decides is the cookie-controls content
 * setting (`profile.cookie_controls_mode`: 0 allow, 1 block third-party cookies), which DevTools reports as
 * the blocked reason "UserPreferences". It is already "block" by default in the browser contexts that
 * `launchChromium` hands out, and set explicitly here so that the test does not depend on a default.
 * The other switches are those of `launchChromium`.
 */
async function launchWithThirdPartyCookies(
  policy: 'block' | 'allow',
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'authmesh-chromium-'));
  await mkdir(join(profile, 'Default'));
  await writeFile(
    join(profile, 'Default', 'Preferences'),
    JSON.stringify({ profile: { cookie_controls_mode: policy === 'block' ? 1 : 0 } }),
  );
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Why Chromium did not send a cookie on a request (DevTools' `blockedReasons`), per request URL. */
async function recordBlockedCookies(context: BrowserContext, page: Page): Promise<Map<string, string[]>> {
  const blocked = new Map<string, string[]>();
  const urls = new Map<string, string>();
  const cdp = await context.newCDPSession(page);
  cdp.on('Network.requestWillBeSent', (event) => urls.set(event.requestId, event.request.url));
  cdp.on('Network.requestWillBeSentExtraInfo', (event) => {
    const url = urls.get(event.requestId);
    const reasons = event.associatedCookies.flatMap((c) => c.blockedReasons);
    if (url && reasons.length > 0) blocked.set(url, reasons);
  });
  await cdp.send('Network.enable');
  return blocked;
}

describe('cross-site (tenant on 127.0.0.1, SPA on localhost): third-party cookies decide the iframe', () => {
  let system: ReferenceSystem;
  const browsers: { close(): Promise<void> }[] = [];
  const launch = async (policy: 'block' | 'allow') => {
    const browser = await launchWithThirdPartyCookies(policy);
    browsers.push(browser);
    return browser.context;
  };

  beforeAll(async () => {
    system = await startReferenceSystem({ crossSite: true });
    expect(new URL(system.tenantIssuer).hostname).toBe('127.0.0.1');
    expect(new URL(system.spaUrl).hostname).toBe('localhost');
  });

  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close().catch(() => {})));
    await system?.stop();
  });

  it('iframe silent auth fails with login_required: the iframe gets no session cookie', async () => {
    const context = await launch('block');
    const { page, traffic } = await openSpa(context, system, 'iframe');
    const blocked = await recordBlockedCookies(context, page);
    await login(page, system, 'staff');
    // The login itself is a top-level navigation (first-party cookies) and works; the catalog token comes
    // from the code exchange. The first token for another API needs the iframe, which the tenant answers
    // with login_required, and auth0-spa-js then ends the local session.
    const failure = page.locator(sel('silent-auth-failure'));
    await failure.waitFor();
    expect(await failure.getAttribute('data-error')).toBe('login_required');
    const metrics = await loginMetrics(page, 'staff, iframe mode, cross-site, third-party cookies blocked');
    expect(metrics.tokens.catalog).toBe('ok');
    expect(metrics.tokens.orders).toBe('login_required');

    const silent = silentAuthorize(traffic);
    expect(silent.length).toBeGreaterThan(0);
    for (const a of silent) {
      expect(a.inIframe).toBe(true);
      // The tenant's session cookie existed (the top-level login set it) but was not sent to the iframe.
      expect((await a.request.allHeaders()).cookie).toBeUndefined();
    }
    const reasons = silent.flatMap((a) => blocked.get(a.request.url()) ?? []);
    expect(reasons).toContain('UserPreferences');
    expect(traffic.token.some((body) => body.get('grant_type') === 'refresh_token')).toBe(false);
  });

  it('refresh tokens (MRRT) still work: no iframe, no third-party cookie needed', async () => {
    const { page, traffic } = await openSpa(await launch('block'), system, 'refresh');
    await login(page, system, 'staff');
    const metrics = await loginMetrics(page, 'staff, refresh-token mode, cross-site, third-party cookies blocked');
    expect(metrics.tokens).toEqual({ catalog: 'ok', orders: 'ok', inventory: 'ok' });
    await expectThreeTokens(page);
    expect(silentAuthorize(traffic)).toEqual([]);
    const refreshes = traffic.token.filter((body) => body.get('grant_type') === 'refresh_token');
    expect(refreshes.map((body) => body.get('audience'))).toEqual([AUDIENCES.orders, AUDIENCES.inventory]);

    // And the APIs answer: stock adjusted through API 3 (→ API 1), visible in the catalog.
    await page.click(sel('tab-inventory'));
    const row = page.locator(sel('inventory-item')).first();
    await row.waitFor();
    const before = Number(await row.locator(sel('inventory-stock')).textContent());
    await row.locator(sel('receive-5')).click();
    await expect.poll(async () => Number(await row.locator(sel('inventory-stock')).textContent())).toBe(before + 5);
  });

  it('control: with third-party cookies allowed, the same cross-site iframe silent auth works', async () => {
    const { page, traffic } = await openSpa(await launch('allow'), system, 'iframe');
    await login(page, system, 'staff');
    const metrics = await loginMetrics(page, 'staff, iframe mode, cross-site, third-party cookies allowed');
    expect(metrics.tokens).toEqual({ catalog: 'ok', orders: 'ok', inventory: 'ok' });
    const silent = silentAuthorize(traffic);
    expect(silent).toHaveLength(2);
    for (const a of silent) expect((await a.request.allHeaders()).cookie).toBeDefined();
  });
});

afterAll(() => {
  console.log(
    `\nLogin round trip (click → access tokens for the three audiences), measured in the SPA:\n  ${figures.join('\n  ')}`,
  );
});
