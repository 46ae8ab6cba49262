import type { Tenant } from '@authmesh/server';
import { login as fillLoginPage } from '@authmesh/testing/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium.ts';
import {
  type ConsolePage,
  expiredJwt,
  freePort,
  largeTenantConfig,
  openConsole,
  screenshot,
  seriousAxeViolations,
  startConsoleTenant,
} from './support/console.ts';
import { type ReferenceSystem, readClientCredentials, startReferenceSystem } from './support/reference-system.ts';

/*
 * The console (/console) in Chromium, on the reference system as `npm start` runs it (the example tenant with
 * `console: { access: 'loopback' }`), and on an empty and a 200-client tenant in this process. Every view is
 * checked with axe-core and saved as a screenshot under test-artifacts/console/.
 */

const CATALOG = 'https://catalog.acme.test';
const INVENTORY = 'https://inventory.acme.test';
const SPA_CLIENT = 'acme-shop-spa';
const sel = (testId: string) => `[data-testid="${testId}"]`;
const figures: string[] = [];

async function expectNoSeriousViolations(page: Page, view: string): Promise<void> {
  const findings = await seriousAxeViolations(page);
  expect(findings, `axe-core on ${view}: ${JSON.stringify(findings, null, 2)}`).toEqual([]);
}

async function clientCredentials(
  issuer: string,
  client: { clientId: string; clientSecret: string },
  audience: string,
  scope?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL('oauth/token', issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
      audience,
      ...(scope ? { scope } : {}),
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The graph's edge whose accessible name mentions `text`, of the given style. */
function edge(page: Page, style: 'm2m' | 'obo' | 'mrrt' | 'rbac', text: string) {
  return page.locator(`${sel('graph-edge')}[data-style="${style}"][aria-label*="${text}"]`);
}

describe('the console of the example tenant (npm start)', () => {
  let system: ReferenceSystem;
  let browser: Browser;
  const pages: ConsolePage[] = [];
  const open = async (view: 'picture' | 'activity' | 'inspector') => {
    const opened = await openConsole(browser, system.tenantIssuer, view);
    pages.push(opened);
    return opened;
  };

  beforeAll(async () => {
    [system, browser] = await Promise.all([startReferenceSystem(), launchChromium()]);
  });

  // Each open console holds one of the tenant's few activity streams: close them after each test.
  afterEach(async () => {
    await Promise.all(pages.splice(0).map(({ page }) => page.context().close()));
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    if (figures.length > 0) console.log(`[console figures]\n${figures.join('\n')}`);
  });

  it('npm start prints the console URL, and the console answers on the tenant', async () => {
    expect(system.output()).toContain(`${system.tenantIssuer}console`);
    const response = await fetch(`${system.tenantIssuer}console/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response.text();
    // No inline script: every <script> of the built index has a src.
    expect(html.match(/<script\b[^>]*>/g)?.every((tag) => tag.includes(' src='))).toBe(true);
  });

  it("the picture shows the seed's system: the SPA, the three APIs, the two M2M grants on the catalog, the roles", async () => {
    const { page, errors } = await open('picture');
    await page.waitForSelector(sel('graph'));
    const nodeNames = async (kind: string) =>
      page
        .locator(`${sel('graph-node')}[data-kind="${kind}"]`)
        .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-name')));
    expect(await nodeNames('client')).toEqual(
      expect.arrayContaining(['Acme Shop SPA', 'Orders Service', 'Inventory Service', 'Orders API (client)']),
    );
    expect(await nodeNames('api')).toEqual(['Catalog API', 'Orders API', 'Inventory API']);
    expect(await nodeNames('role')).toEqual(['Customer', 'Staff']);

    // The two machine-to-machine grants, both on the catalog, and the user-delegated one beside them.
    const m2m = page.locator(`${sel('graph-edge')}[data-style="m2m"]`);
    expect(await m2m.count()).toBe(2);
    const m2mNames = await m2m.evaluateAll((edges) => edges.map((e) => e.getAttribute('aria-label')));
    expect(
      m2mNames.some((n) => /Orders Service may call Catalog API machine to machine with read:products$/.test(n ?? '')),
    ).toBe(true);
    expect(
      m2mNames.some((n) =>
        /Inventory Service may call Catalog API machine to machine with read:products write:stock$/.test(n ?? ''),
      ),
    ).toBe(true);
    expect(await edge(page, 'obo', 'read:products').count()).toBe(1);
    // The SPA's refresh-token policies (MRRT) to the Orders and Inventory APIs.
    expect(await page.locator(`${sel('graph-edge')}[data-style="mrrt"]`).count()).toBe(2);
    // Role → API permissions: Customer on catalog and orders, Staff on all three.
    expect(await page.locator(`${sel('graph-edge')}[data-style="rbac"]`).count()).toBe(5);
    // Actions on their triggers.
    expect(await page.textContent(sel('actions-strip'))).toContain('roles-in-tokens');

    // Keyboard: focus the Inventory Service grant and press Enter: the grant's scopes appear, ready to edit.
    await edge(page, 'm2m', 'write:stock').focus();
    await page.keyboard.press('Enter');
    const details = page.locator(sel('details-grant'));
    await details.waitFor();
    expect(await details.getAttribute('data-client')).toBe('Inventory Service');
    expect(await details.locator('input[data-scope="read:products"]').isChecked()).toBe(true);
    expect(await details.locator('input[data-scope="write:stock"]').isChecked()).toBe(true);
    await screenshot(page, 'picture-grant', { fullPage: false });

    // Arrow keys move between nodes: right to the nearest API, down the column; Enter opens it.
    await page.locator(`${sel('graph-node')}[data-name="Acme Shop SPA"]`).focus();
    const focused = () => page.evaluate('document.activeElement?.getAttribute("data-name")');
    await page.keyboard.press('ArrowRight');
    expect(await focused()).toBe('Catalog API');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('Orders API');
    await page.keyboard.press('Enter');
    expect(await page.getAttribute(sel('details-api'), 'data-name')).toBe('Orders API');

    // A node: the SPA's callbacks, origins and refresh policy.
    await page.locator(`${sel('graph-node')}[data-name="Acme Shop SPA"]`).click();
    const client = page.locator(sel('details-client'));
    await client.waitFor();
    const text = (await client.textContent()) ?? '';
    expect(text).toContain('Single-page app');
    expect(text).toContain('rotating');
    expect(text).toMatch(/Orders API: (read:orders create:orders|create:orders read:orders)/);
    await screenshot(page, 'picture');
    await expectNoSeriousViolations(page, 'the system picture');

    // Large text, for a projector: the page's text grows, and the switch says it is on.
    const fontSize = () => page.evaluate('parseFloat(getComputedStyle(document.documentElement).fontSize)');
    const normal = (await fontSize()) as number;
    await page.click(sel('large-text'));
    expect(await page.getAttribute(sel('large-text'), 'aria-pressed')).toBe('true');
    expect((await fontSize()) as number).toBeGreaterThan(normal * 1.2);
    await screenshot(page, 'picture-large-text');
    await expectNoSeriousViolations(page, 'the system picture in large text');
    await page.click(sel('large-text'));

    await page.click(sel('mode-matrix'));
    await page.waitForSelector(sel('matrix'));
    const ordersRow = page.locator(`${sel('matrix-client-row')}[data-name="Orders Service"]`);
    expect(await ordersRow.textContent()).toContain('M2M: read:products');
    expect(await page.locator(sel('matrix-role-row')).count()).toBe(2);
    await screenshot(page, 'matrix');
    await expectNoSeriousViolations(page, 'the matrix');
    expect(errors).toEqual([]);
  });

  it('a login through the reference SPA puts the login and three token issuances in the stream within a second', async () => {
    const { page: consolePage, errors } = await open('activity');
    await consolePage.waitForSelector(`${sel('stream-state')}[data-state="live"]`);
    // Record when each event's row appears, to compare with the time the tenant stamped on the event.
    // In the page (a string: this file is type-checked without the DOM library).
    await consolePage.evaluate(`(() => {
      const seen = [];
      window.__seen = seen;
      new MutationObserver((records) => {
        const now = Date.now();
        for (const record of records) {
          for (const node of record.addedNodes) {
            if (!(node instanceof HTMLElement)) continue;
            // The first event replaces the empty-list text with the whole list: its rows come inside it.
            const rows = node.matches('[data-testid="activity-event"]')
              ? [node]
              : [...node.querySelectorAll('[data-testid="activity-event"]')];
            for (const row of rows) {
              const d = row.dataset;
              seen.push({ type: d.type, client: d.client, audience: d.audience, time: d.time, seenAt: now });
            }
          }
        }
      }).observe(document.body, { childList: true, subtree: true });
    })()`);

    const context: BrowserContext = await browser.newContext();
    const spa = await context.newPage();
    await spa.goto(system.spaUrl);
    await spa.click(sel('login'));
    await fillLoginPage(
      { issuer: system.tenantIssuer },
      spa,
      { email: 'customer@acme.test', password: 'customer-demo-password' },
      { returnTo: `${system.spaUrl}**` },
    );
    const loggedIn = Date.now();
    await spa.waitForFunction('window.__authmeshMetrics', undefined, { timeout: 20_000 });
    const tokensHeld = Date.now();

    type Seen = { type: string; client: string; audience: string; time: string; seenAt: number };
    const wanted = (seen: Seen[]) => {
      const login = seen.find((s) => s.type === 'login' && s.client === SPA_CLIENT);
      const tokens = seen.filter((s) => s.type === 'token' && s.client === SPA_CLIENT);
      const audiences = new Set(tokens.map((t) => t.audience));
      return login && audiences.size >= 3 ? { login, tokens } : undefined;
    };
    const handle = await consolePage
      .waitForFunction(
        (check) => {
          const seen = (globalThis as unknown as { __seen: Seen[] }).__seen;
          const login = seen.find((s) => s.type === 'login' && s.client === check.client);
          const tokens = seen.filter((s) => s.type === 'token' && s.client === check.client);
          return login && new Set(tokens.map((t) => t.audience)).size >= 3 ? seen : undefined;
        },
        { client: SPA_CLIENT },
        { timeout: 10_000, polling: 20 },
      )
      .catch(async (error: Error) => {
        const seen = await consolePage.evaluate('JSON.stringify(window.__seen)');
        const rows = await consolePage.locator(sel('activity-event')).allTextContents();
        throw new Error(`${error.message}; rows added: ${seen}; all rows: ${JSON.stringify(rows)}`);
      });
    const found = wanted((await handle.jsonValue()) as Seen[]);
    expect(found).toBeDefined();
    const events = [found!.login, ...found!.tokens];
    // Each event is on the screen within a second of the tenant publishing it.
    const delays = events.map((e) => e.seenAt - Date.parse(e.time));
    for (const delay of delays) expect(delay).toBeLessThan(1000);
    const allSeen = Math.max(...events.map((e) => e.seenAt));
    expect(allSeen - tokensHeld).toBeLessThan(1000);
    figures.push(
      `stream delay per event (tenant stamp → row on screen): ${delays.join(', ')} ms; login + 3 tokens all shown ${
        allSeen - loggedIn
      } ms after the login page returned to the SPA, ${allSeen - tokensHeld} ms after the SPA held its tokens`,
    );
    expect([...new Set(found!.tokens.map((t) => t.audience))].sort()).toEqual([
      'https://catalog.acme.test',
      'https://inventory.acme.test',
      'https://orders.acme.test',
    ]);
    await screenshot(consolePage, 'activity');
    await expectNoSeriousViolations(consolePage, 'the live activity');

    // A token from the stream opens in the inspector: verified with the tenant's keys, accepted by its API.
    await consolePage
      .locator(`${sel('activity-event')}[data-type="token"][data-audience="${CATALOG}"] ${sel('inspect-token')}`)
      .first()
      .click();
    await consolePage.waitForSelector(sel('inspect-result'));
    expect(await consolePage.getAttribute(sel('signature'), 'data-verified')).toBe('true');
    expect(await consolePage.getAttribute(sel('verdict'), 'data-accepted')).toBe('true');
    expect(await consolePage.locator(`${sel('claim-row')}[data-claim="permissions"]`).textContent()).toContain(
      'read:products',
    );
    await screenshot(consolePage, 'inspector-from-stream');
    await expectNoSeriousViolations(consolePage, 'the inspector');
    await context.close();
    expect(errors).toEqual([]);
  });

  it('a refused machine-to-machine request appears with its reason', async () => {
    const { page, errors } = await open('activity');
    await page.waitForSelector(`${sel('stream-state')}[data-state="live"]`);
    const orders = await readClientCredentials(system, 'Orders Service');
    const refused = await clientCredentials(system.tenantIssuer, orders, INVENTORY);
    expect(refused.status).toBe(403);
    const row = page.locator(`${sel('activity-event')}[data-type="refusal"][data-client="${orders.clientId}"]`).first();
    await row.waitFor({ timeout: 5_000 });
    expect(await row.getAttribute('data-audience')).toBe(INVENTORY);
    expect(await row.textContent()).toContain('403 access_denied');
    const reason = (await row.locator(sel('refusal-reason')).textContent()) ?? '';
    expect(reason).toMatch(/Orders Service has no grant for https:\/\/inventory\.acme\.test/);
    // The outcome filter keeps refusals and hides successes.
    await page.selectOption(sel('filter-outcome'), 'failure');
    expect(await page.locator(`${sel('activity-event')}[data-outcome="success"]`).count()).toBe(0);
    expect(await page.locator(`${sel('activity-event')}[data-type="refusal"]`).count()).toBeGreaterThan(0);
    await screenshot(page, 'activity-refusals');
    await expectNoSeriousViolations(page, 'the live activity, refusals only');
    expect(errors).toEqual([]);
  });

  it('pasting an expired token shows "expired" with the time', async () => {
    const { page, errors } = await open('inspector');
    const { token, exp } = expiredJwt(system.tenantIssuer, CATALOG, 180);
    await page.fill(sel('token-input'), token);
    await page.click(sel('inspect'));
    const expiry = page.locator(sel('expiry'));
    await expiry.waitFor();
    expect(await expiry.getAttribute('data-expired')).toBe('true');
    expect(await expiry.textContent()).toBe(`Expired 3 min ago, at ${new Date(exp * 1000).toISOString()}`);
    // Not the tenant's key: the signature is not verified, and the catalog refuses the token.
    expect(await page.getAttribute(sel('signature'), 'data-verified')).toBe('false');
    expect(await page.getAttribute(sel('verdict'), 'data-accepted')).toBe('false');
    await screenshot(page, 'inspector-expired');
    await expectNoSeriousViolations(page, 'the inspector with an expired token');
    expect(errors).toEqual([]);
  });

  it('granting a scope from the console makes the next client-credentials request succeed; undo takes it back', async () => {
    const orders = await readClientCredentials(system, 'Orders Service');
    const ask = () => clientCredentials(system.tenantIssuer, orders, CATALOG, 'read:products write:stock');
    expect((await ask()).status).toBe(403);

    const { page, errors } = await open('picture');
    // Keyboard (the edges cross near the API, where a pointer may hit a neighbour).
    await edge(page, 'm2m', 'Orders Service').focus();
    await page.keyboard.press('Enter');
    const details = page.locator(sel('details-grant'));
    await details.waitFor();
    expect(await details.getAttribute('data-client')).toBe('Orders Service');
    await details.locator('input[data-scope="write:stock"]').check();
    const toast = page.locator(sel('toast')).first();
    await toast.waitFor({ timeout: 5_000 });
    expect(await toast.textContent()).toContain('Granted write:stock to Orders Service on Catalog API');
    expect(await toast.getAttribute('data-tone')).toBe('success');
    await expect.poll(async () => (await ask()).status, { timeout: 5_000 }).toBe(200);
    expect((await ask()).body.scope).toBe('read:products write:stock');
    // The picture follows: the edge's label now has both scopes.
    await expect.poll(() => edge(page, 'm2m', 'Orders Service').getAttribute('aria-label')).toContain('write:stock');
    await screenshot(page, 'picture-edit');

    await toast.locator(sel('toast-undo')).click();
    await page.locator(sel('toast')).filter({ hasText: 'Undone' }).waitFor();
    await expect.poll(async () => (await ask()).status, { timeout: 5_000 }).toBe(403);
    expect(await details.locator('input[data-scope="write:stock"]').isChecked()).toBe(false);
    // Both writes went through /api/v2 like any client's: they are in the stream as Management API writes.
    await page.click(sel('view-activity'));
    const writes = page.locator(`${sel('activity-event')}[data-type="management"]`);
    await expect.poll(() => writes.count()).toBe(2);
    expect(await writes.first().textContent()).toMatch(/PATCH .*client-grants.* by this console → 200/);
    expect(errors).toEqual([]);
  });

  it('adds a permission to a role and blocks a user from the console, and undoes both', async () => {
    const session = (await (await fetch(`${system.tenantIssuer}console/api/session`)).json()) as {
      management: { token: string };
    };
    const management = async <T>(path: string): Promise<T> => {
      const response = await fetch(new URL(`api/v2/${path}`, system.tenantIssuer), {
        headers: { authorization: `Bearer ${session.management.token}` },
      });
      expect(response.status).toBe(200);
      return (await response.json()) as T;
    };
    const roles = await management<Array<{ id: string; name: string }>>('roles');
    const customer = roles.find((r) => r.name === 'Customer')!;
    const permissions = async () =>
      (await management<Array<{ permission_name: string }>>(`roles/${customer.id}/permissions`)).map(
        (p) => p.permission_name,
      );
    expect(await permissions()).not.toContain('write:stock');

    const { page, errors } = await open('picture');
    await page.locator(`${sel('graph-node')}[data-kind="role"][data-name="Customer"]`).click();
    const catalog = page.locator(`${sel('details-role')} [data-testid="role-permissions-${CATALOG}"]`);
    await catalog.locator('input[data-scope="write:stock"]').check();
    const added = page
      .locator(sel('toast'))
      .filter({ hasText: 'Added write:stock on Catalog API to the role Customer' });
    await added.waitFor();
    expect(await permissions()).toContain('write:stock');
    await added.locator(sel('toast-undo')).click();
    await expect.poll(permissions).not.toContain('write:stock');
    expect(await permissions()).toContain('read:products');

    const userRow = page.locator(`${sel('user-row')}[data-email="staff@acme.test"]`);
    const blocked = async () =>
      (await management<Array<{ blocked?: boolean }>>('users?q=email:"staff@acme.test"'))[0]?.blocked === true;
    expect(await blocked()).toBe(false);
    await userRow.locator(sel('user-block-toggle')).click();
    const blockToast = page.locator(sel('toast')).filter({ hasText: 'Blocked staff@acme.test' });
    await blockToast.waitFor();
    expect(await blocked()).toBe(true);
    await expect.poll(() => userRow.getAttribute('data-blocked')).toBe('true');
    await blockToast.locator(sel('toast-undo')).click();
    await expect.poll(blocked).toBe(false);
    await expect.poll(() => userRow.getAttribute('data-blocked')).toBe('false');
    expect(errors).toEqual([]);
  });
});

describe('the console of an empty tenant and of a 200-client tenant', () => {
  let browser: Browser;
  const tenants: Tenant[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(tenants.map((t) => t.close()));
  });

  it('an empty tenant renders a useful picture: what to add, and how', async () => {
    const tenant = await startConsoleTenant('tenant: { friendly_name: Empty }');
    tenants.push(tenant);
    const { page, errors } = await openConsole(browser, tenant.issuer, 'picture');
    await page.waitForSelector(sel('empty-tenant'));
    await page.waitForSelector(sel('graph'));
    expect(await page.textContent(sel('counts'))).toContain('0 applications');
    await screenshot(page, 'empty-tenant');
    await expectNoSeriousViolations(page, 'the empty tenant');
    await page.click(sel('view-activity'));
    await page.waitForSelector(sel('activity-empty'));
    await expectNoSeriousViolations(page, 'the empty activity');
    expect(errors).toEqual([]);
  });

  it('a 200-client tenant opens on the matrix, and the filtered graph stays readable', async () => {
    const tenant = await startConsoleTenant(largeTenantConfig(200));
    tenants.push(tenant);
    const { page, errors } = await openConsole(browser, tenant.issuer, 'picture');
    await page.waitForSelector(sel('matrix'));
    expect(await page.locator(sel('matrix-client-row')).count()).toBe(200);
    expect(await page.locator(sel('matrix-role-row')).count()).toBe(3);
    await screenshot(page, 'large-tenant-matrix');
    await expectNoSeriousViolations(page, 'the matrix of 200 clients');

    // An empty cell creates the grant it stands for: Service 002 has none on API alpha until then.
    const service = tenant.clients.find((c) => c.name === 'Service 002')!;
    const alphaToken = () =>
      clientCredentials(
        tenant.issuer,
        { clientId: service.client_id, clientSecret: service.client_secret! },
        'https://alpha.example.test',
      );
    expect((await alphaToken()).status).toBe(403);
    await page.click('button[aria-label="Grant Service 002 access to API alpha"]');
    const form = page.locator(`${sel('details-client')}[data-name="Service 002"] ${sel('new-grant')}`);
    expect(await form.locator('select').inputValue()).toBe('https://alpha.example.test');
    await form.locator('input[data-scope="read:alpha"]').check();
    await form.locator('button[type="submit"]').click();
    await page
      .locator(sel('toast'))
      .filter({ hasText: 'Granted Service 002 access to API alpha with read:alpha' })
      .waitFor();
    expect((await alphaToken()).status).toBe(200);
    await expect
      .poll(() => page.locator(`${sel('matrix-client-row')}[data-name="Service 002"]`).textContent())
      .toContain('M2M: read:alpha');

    await page.click(sel('mode-graph'));
    await page.fill(sel('filter'), 'Service 01');
    await page.waitForSelector(sel('graph'));
    // Service 010 … 019 and Service 001 … 009 share no prefix "Service 01" except 010–019.
    await expect.poll(() => page.locator(`${sel('graph-node')}[data-kind="client"]`).count()).toBe(10);
    expect(await page.locator(`${sel('graph-node')}[data-kind="api"]`).count()).toBe(3);
    await screenshot(page, 'large-tenant-graph-filtered');
    expect(errors).toEqual([]);
  });

  it("the live activity reconnects when the tenant restarts, and shows the new process's events", async () => {
    const port = await freePort();
    const config = 'tenant: { friendly_name: Restarting }';
    const first = await startConsoleTenant(config, { port });
    const { page, errors } = await openConsole(browser, first.issuer, 'activity');
    await page.waitForSelector(`${sel('stream-state')}[data-state="live"]`);
    await first.close();
    await page.waitForSelector(`${sel('stream-state')}[data-state="reconnecting"]`);
    const second = await startConsoleTenant(config, { port });
    tenants.push(second);
    await page.waitForSelector(`${sel('stream-state')}[data-state="live"]`, { timeout: 20_000 });
    const refused = await fetch(new URL('oauth/token', second.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: 'nobody',
        client_secret: 'x',
        audience: 'a',
      }),
    });
    expect(refused.status).toBe(401);
    await page
      .locator(`${sel('activity-event')}[data-type="refusal"]`)
      .first()
      .waitFor();
    // While the tenant was down the browser logged its refused connections; nothing else went wrong.
    expect(errors.filter((e) => !e.includes('ERR_CONNECTION_REFUSED'))).toEqual([]);
    await page.context().close();
  });

  it('authmesh serve: the console asks for a Management API token, keeps it for the tab, and refuses a weak one', async () => {
    const port = await freePort();
    const managementApi = `http://localhost:${port}/api/v2/`;
    const reads = ['read:clients', 'read:resource_servers', 'read:client_grants', 'read:roles', 'read:users'];
    const config = JSON.stringify({
      tenant: { friendly_name: 'Served' },
      resourceServers: [
        { name: 'Catalog API', identifier: CATALOG, scopes: [{ value: 'read:products' }, { value: 'write:stock' }] },
      ],
      clients: [
        { name: 'Operator', app_type: 'non_interactive', grant_types: ['client_credentials'] },
        { name: 'Reader of clients', app_type: 'non_interactive', grant_types: ['client_credentials'] },
      ],
      clientGrants: [
        { client_id: 'Operator', audience: managementApi, scope: reads },
        { client_id: 'Reader of clients', audience: managementApi, scope: ['read:clients'] },
        { client_id: 'Reader of clients', audience: CATALOG, scope: ['read:products'] },
      ],
    });
    const tenant = await startConsoleTenant(config, { access: 'management-token', port });
    tenants.push(tenant);
    const tokenOf = async (name: string) => {
      const client = tenant.clients.find((c) => c.name === name)!;
      const response = await fetch(new URL('oauth/token', tenant.issuer), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: client.client_id,
          client_secret: client.client_secret,
          audience: managementApi,
        }),
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { access_token: string }).access_token;
    };

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${tenant.issuer}console/`);
    await page.waitForSelector(sel('token-gate'));
    await screenshot(page, 'token-gate');
    await expectNoSeriousViolations(page, 'the token form');

    // A token without every read scope is refused, in words, and not kept.
    await page.fill('#management-token', await tokenOf('Reader of clients'));
    await page.click(`${sel('token-gate')} button[type="submit"]`);
    expect(await page.textContent(sel('gate-error'))).toMatch(/lacks a scope/);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    await page.fill('#management-token', await tokenOf('Operator'));
    await page.click(`${sel('token-gate')} button[type="submit"]`);
    await page.waitForSelector(sel('graph'));
    expect(await page.textContent(sel('counts'))).toContain('2 applications');
    // Kept for this tab only: a reload opens the console again without asking.
    expect(await page.evaluate('sessionStorage.length')).toBe(1);
    await page.reload();
    await page.waitForSelector(sel('graph'));

    // The token may read but not write: an edit is refused by /api/v2, said in plain words, and nothing changes.
    await edge(page, 'm2m', 'Reader of clients may call Catalog API').focus();
    await page.keyboard.press('Enter');
    const scope = page.locator(`${sel('details-grant')} input[data-scope="write:stock"]`);
    await scope.click();
    const refused = page.locator(`${sel('toast')}[data-tone="error"]`);
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(
      /^Not done \(Granted write:stock to Reader of clients on Catalog API\): The management token lacks a scope this needs\./,
    );
    await expect.poll(() => scope.isChecked()).toBe(false);
    await context.close();
  });
});
