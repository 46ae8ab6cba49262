import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { loginHeadlessly } from '@authmesh/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReferenceSystem, readClientCredentials, startReferenceSystem } from './support/reference-system.ts';

const CATALOG = 'https://catalog.acme.test';
const ORDERS = 'https://orders.acme.test';
const INVENTORY = 'https://inventory.acme.test';
const SPA_CLIENT_ID = 'acme-shop-spa';
const CUSTOMER = { username: 'customer@acme.test', password: 'customer-demo-password' };
const STAFF = { username: 'staff@acme.test', password: 'staff-demo-password' };
const HAS_SPA = existsSync(fileURLToPath(new URL('../../examples/spa/index.html', import.meta.url)));

interface Reply {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

/** One JSON request to an API, with a bearer token when given. */
async function call(url: string, init: { token?: string; method?: string; body?: unknown } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : {} };
}

async function tokenEndpoint(issuer: string, form: Record<string, string>): Promise<Reply> {
  const response = await fetch(new URL('oauth/token', issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

/**
 * A user's access tokens for several APIs, as the SPA gets them: authorization code + PKCE through the
 * tenant's login page, one login per audience (the testing kit's headless login).
 */
async function userTokens(
  system: ReferenceSystem,
  user: { username: string; password: string },
  audiences: string[],
): Promise<Record<string, string>> {
  const tokens: Record<string, string> = {};
  for (const audience of audiences) {
    const reply = await loginHeadlessly({
      issuer: system.tenantIssuer,
      clientId: SPA_CLIENT_ID,
      redirectUri: system.spaUrl,
      ...user,
      audience,
      scope: 'openid profile email',
    });
    tokens[audience] = reply.access_token;
  }
  return tokens;
}

async function m2mToken(system: ReferenceSystem, service: string, scope?: string): Promise<Reply> {
  const { clientId, clientSecret } = await readClientCredentials(system, service);
  return tokenEndpoint(system.tenantIssuer, {
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: clientSecret,
    audience: CATALOG,
    ...(scope ? { scope } : {}),
  });
}

/** Resolves to true when nothing accepts connections on the port any more. */
function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

const portOf = (url: string) => Number(new URL(url).port);

function expectInsufficientScope(reply: Reply, scope: string): void {
  expect(reply.status).toBe(403);
  expect(reply.json.error).toBe('insufficient_scope');
  expect(reply.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  expect(reply.headers.get('www-authenticate')).toContain(`scope="${scope}"`);
}

describe('the reference system over HTTP (npm start, without the SPA)', () => {
  let system: ReferenceSystem;
  let customer: Record<string, string>;
  let staff: Record<string, string>;

  beforeAll(async () => {
    system = await startReferenceSystem({ withSpa: false });
    console.log(`npm start (tenant + 3 APIs, no SPA) ready in ${system.readyMs} ms`);
    [customer, staff] = await Promise.all([
      userTokens(system, CUSTOMER, [CATALOG, ORDERS, INVENTORY]),
      userTokens(system, STAFF, [CATALOG, ORDERS, INVENTORY]),
    ]);
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('prints one ready block: the demo users, their passwords and the four services', () => {
    const out = system.output();
    expect(out).toMatch(/ready in \d+ ms/);
    expect(out).toContain('customer@acme.test  customer-demo-password');
    expect(out).toContain('staff@acme.test     staff-demo-password');
    expect(system.tenantIssuer).toMatch(/^http:\/\/localhost:\d+\/$/);
    expect(out.match(/ready in/g)).toHaveLength(1);
  });

  it('public routes answer without a token; protected ones refuse a missing token with 401', async () => {
    for (const url of Object.values(system.apiUrls)) {
      expect((await call(`${url}/health`)).json).toEqual({ ok: true });
    }
    const missing = await call(`${system.apiUrls.catalog}/products`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect((await call(`${system.apiUrls.orders}/orders`)).status).toBe(401);
    expect((await call(`${system.apiUrls.inventory}/inventory`)).status).toBe(401);
  });

  it('customer: reads the catalog (RBAC permission read:products)', async () => {
    const reply = await call(`${system.apiUrls.catalog}/products`, { token: customer[CATALOG] });
    expect(reply.status).toBe(200);
    const products = reply.json.products as { id: string; name: string; price: number; stock: number }[];
    expect(products.length).toBeGreaterThanOrEqual(4);
    for (const p of products) expect(Object.keys(p).sort()).toEqual(['id', 'name', 'price', 'stock']);
  });

  it('customer: places an order, priced by the catalog over M2M; it appears in their orders only', async () => {
    const placed = await call(`${system.apiUrls.orders}/orders`, {
      token: customer[ORDERS],
      method: 'POST',
      body: { productId: 'espresso-beans', quantity: 3 },
    });
    expect(placed.status, JSON.stringify(placed.json)).toBe(201);
    expect(placed.json).toMatchObject({
      productId: 'espresso-beans',
      productName: 'Espresso beans, 1 kg',
      quantity: 3,
    });
    expect(placed.json.total).toBe(74.7);
    expect(Object.keys(placed.json).sort()).toEqual([
      'createdAt',
      'id',
      'productId',
      'productName',
      'quantity',
      'total',
    ]);

    const mine = await call(`${system.apiUrls.orders}/orders`, { token: customer[ORDERS] });
    expect(mine.status).toBe(200);
    expect((mine.json.orders as { id: string }[]).map((o) => o.id)).toContain(placed.json.id);
    const theirs = await call(`${system.apiUrls.orders}/orders`, { token: staff[ORDERS] });
    expect((theirs.json.orders as { id: string }[]).map((o) => o.id)).not.toContain(placed.json.id);
  });

  it('orders: 409 without enough stock, 404 for an unknown product, 400 for a bad body', async () => {
    const order = (body: unknown) =>
      call(`${system.apiUrls.orders}/orders`, { token: customer[ORDERS], method: 'POST', body });
    expect((await order({ productId: 'hand-grinder', quantity: 100 })).status).toBe(409);
    expect((await order({ productId: 'no-such-thing', quantity: 1 })).status).toBe(404);
    expect((await order({ productId: 'hand-grinder', quantity: 0 })).status).toBe(400);
    expect((await order({ quantity: 1 })).status).toBe(400);
  });

  it('customer: the inventory API refuses them (403 insufficient_scope)', async () => {
    expectInsufficientScope(
      await call(`${system.apiUrls.inventory}/inventory`, { token: customer[INVENTORY] }),
      'read:inventory',
    );
    const adjust = await call(`${system.apiUrls.inventory}/inventory/adjustments`, {
      token: customer[INVENTORY],
      method: 'POST',
      body: { productId: 'ceramic-mug', delta: 1 },
    });
    expectInsufficientScope(adjust, 'adjust:inventory');
  });

  it('a token for another API is refused (401 invalid_token): one token, one audience', async () => {
    const reply = await call(`${system.apiUrls.catalog}/products`, { token: customer[ORDERS] });
    expect(reply.status).toBe(401);
    expect(reply.json.error).toBe('invalid_token');
  });

  it('staff: adjusts stock through the inventory API, and the catalog changed', async () => {
    const stockOf = async (id: string) => {
      const reply = await call(`${system.apiUrls.catalog}/products`, { token: staff[CATALOG] });
      return (reply.json.products as { id: string; stock: number }[]).find((p) => p.id === id)?.stock;
    };
    const before = await stockOf('ceramic-mug');
    expect(before).toBeTypeOf('number');
    const reply = await call(`${system.apiUrls.inventory}/inventory/adjustments`, {
      token: staff[INVENTORY],
      method: 'POST',
      body: { productId: 'ceramic-mug', delta: 5 },
    });
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    expect(reply.json.product).toMatchObject({ id: 'ceramic-mug', stock: (before as number) + 5 });
    expect(await stockOf('ceramic-mug')).toBe((before as number) + 5);

    const inventory = await call(`${system.apiUrls.inventory}/inventory`, { token: staff[INVENTORY] });
    expect(inventory.status).toBe(200);
    expect(inventory.json.items).toContainEqual({
      id: 'ceramic-mug',
      name: 'Ceramic mug',
      stock: (before as number) + 5,
    });
  });

  it('staff: a refusal of the catalog reaches the SPA as 502 naming its status, never as the token', async () => {
    const reply = await call(`${system.apiUrls.inventory}/inventory/adjustments`, {
      token: staff[INVENTORY],
      method: 'POST',
      body: { productId: 'pour-over-kettle', delta: -1_000_000 },
    });
    expect(reply.status).toBe(502);
    expect(reply.json).toMatchObject({ error: 'upstream_error', upstream_status: 400 });
    expect(String(reply.json.error_description)).toContain('400');
    expect(JSON.stringify(reply.json)).not.toMatch(/eyJ/);
  });

  it('least privilege: the catalog refuses the Orders Service token on stock, takes the Inventory Service one', async () => {
    const orders = await m2mToken(system, 'Orders Service');
    expect(orders.status).toBe(200);
    expect(orders.json.scope).toBe('read:products');
    const refused = await call(`${system.apiUrls.catalog}/products/paper-filters/stock`, {
      token: orders.json.access_token as string,
      method: 'POST',
      body: { delta: 1 },
    });
    expectInsufficientScope(refused, 'write:stock');
    // It may read, which is all it was granted.
    const read = await call(`${system.apiUrls.catalog}/products`, { token: orders.json.access_token as string });
    expect(read.status).toBe(200);
    // And it cannot ask the tenant for more than its grant.
    expect((await m2mToken(system, 'Orders Service', 'write:stock')).status).toBeGreaterThanOrEqual(400);

    const inventory = await m2mToken(system, 'Inventory Service', 'write:stock');
    expect(inventory.status).toBe(200);
    const accepted = await call(`${system.apiUrls.catalog}/products/paper-filters/stock`, {
      token: inventory.json.access_token as string,
      method: 'POST',
      body: { delta: 1 },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.json.id).toBe('paper-filters');
  });

  it('a user token never writes stock, not even staff: no role holds write:stock', async () => {
    const reply = await call(`${system.apiUrls.catalog}/products/paper-filters/stock`, {
      token: staff[CATALOG],
      method: 'POST',
      body: { delta: 1 },
    });
    expectInsufficientScope(reply, 'write:stock');
  });

  it('CORS: the SPA origin may call every API (preflight and refusals); other origins may not', async () => {
    const spaOrigin = new URL(system.spaUrl).origin;
    const protectedPaths = { catalog: '/products', orders: '/orders', inventory: '/inventory' };
    for (const [api, url] of Object.entries(system.apiUrls) as [keyof typeof protectedPaths, string][]) {
      const preflight = await fetch(`${url}/health`, {
        method: 'OPTIONS',
        headers: {
          origin: spaOrigin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
      expect(preflight.status, url).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(spaOrigin);
      expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
      expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
      expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');

      const refused = await fetch(`${url}${protectedPaths[api]}`, { headers: { origin: spaOrigin } });
      expect(refused.status, url).toBe(401);
      expect(refused.headers.get('access-control-allow-origin')).toBe(spaOrigin);
      expect(refused.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('www-authenticate');

      const stranger = await fetch(`${url}/health`, {
        method: 'OPTIONS',
        headers: { origin: 'http://evil.test', 'access-control-request-method': 'POST' },
      });
      expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('1,000 SPA actions on API 2 and API 3 cost one token request per M2M client', async () => {
    const actions: (() => Promise<Reply>)[] = [];
    for (let i = 0; i < 500; i += 1) {
      actions.push(() => call(`${system.apiUrls.inventory}/inventory`, { token: staff[INVENTORY] }));
      actions.push(() =>
        call(`${system.apiUrls.orders}/orders`, {
          token: customer[ORDERS],
          method: 'POST',
          body: { productId: 'paper-filters', quantity: 1 },
        }),
      );
    }
    const started = performance.now();
    const statuses: number[] = [];
    for (let i = 0; i < actions.length; i += 50) {
      const batch = await Promise.all(actions.slice(i, i + 50).map((action) => action()));
      statuses.push(...batch.map((r) => r.status));
    }
    const elapsed = Math.round(performance.now() - started);
    expect(statuses.filter((s) => s === 200)).toHaveLength(500);
    expect(statuses.filter((s) => s === 201)).toHaveLength(500);

    const count = async (url: string) => (await call(`${url}/debug/token-requests`)).json.m2mTokenRequests as number;
    const orders = await count(system.apiUrls.orders);
    const inventory = await count(system.apiUrls.inventory);
    console.log(
      `token-endpoint calls for 1,000 SPA actions (500 GET /inventory + 500 POST /orders, ${elapsed} ms): ` +
        `orders API ${orders}, inventory API ${inventory}, catalog ${await count(system.apiUrls.catalog)}`,
    );
    // Everything before this test included (orders placed, stock adjusted): still one per client.
    expect(orders).toBe(1);
    expect(inventory).toBe(1);
    expect(await count(system.apiUrls.catalog)).toBe(0);
  });

  it('Ctrl-C stops everything: exit code 0, and every port refuses connections', async () => {
    const ports = [portOf(system.tenantIssuer), ...Object.values(system.apiUrls).map(portOf)];
    await system.stop();
    expect(system.exitCode).toBe(0);
    expect(system.output()).toContain('Stopped.');
    for (const port of ports) expect(await refuses(port), `port ${port}`).toBe(true);
  });
});

describe('the reference system in cross-site mode', () => {
  let system: ReferenceSystem;

  beforeAll(async () => {
    system = await startReferenceSystem({ crossSite: true, withSpa: false });
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('serves the tenant on 127.0.0.1 (not same-site with the SPA on localhost); the APIs accept its tokens', async () => {
    expect(system.tenantIssuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(new URL(system.spaUrl).hostname).toBe('localhost');
    expect(system.output()).toContain('third-party cookies');
    const tokens = await userTokens(system, CUSTOMER, [CATALOG]);
    const claims = JSON.parse(Buffer.from(tokens[CATALOG]?.split('.')[1] ?? '', 'base64url').toString());
    expect(claims.iss).toBe(system.tenantIssuer);
    expect((await call(`${system.apiUrls.catalog}/products`, { token: tokens[CATALOG] })).status).toBe(200);
    const order = await call(`${system.apiUrls.orders}/orders`, {
      token: (await userTokens(system, CUSTOMER, [ORDERS]))[ORDERS],
      method: 'POST',
      body: { productId: 'ceramic-mug', quantity: 1 },
    });
    expect(order.status, JSON.stringify(order.json)).toBe(201);
  });
});

describe.skipIf(!HAS_SPA)('the reference system with the SPA', () => {
  it('starts Vite too, serves the SPA on its URL, and stops it on Ctrl-C', async () => {
    const system = await startReferenceSystem();
    try {
      console.log(`npm start (tenant + 3 APIs + SPA) ready in ${system.readyMs} ms`);
      expect(system.output()).toContain(`Open   ${system.spaUrl}`);
      const page = await fetch(system.spaUrl);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
    } finally {
      await system.stop();
    }
    expect(system.exitCode).toBe(0);
    expect(await refuses(portOf(system.spaUrl))).toBe(true);
  });
});

describe('start-up errors name the variable and the fix', () => {
  const node = process.execPath;
  const run = async (file: string, env: Record<string, string>) => {
    const child = spawn(node, [fileURLToPath(new URL(file, import.meta.url))], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, output };
  };

  it('an API without its configuration exits 1 and says which variable to set', async () => {
    const catalog = await run('../../examples/catalog-api/src/main.ts', {});
    expect(catalog.code).toBe(1);
    expect(catalog.output).toContain('AUTH0_ISSUER_BASE_URL is not set. Fix:');

    const orders = await run('../../examples/orders-api/src/main.ts', {
      AUTH0_ISSUER_BASE_URL: 'http://localhost:4000/',
      PORT: 'eighty',
    });
    expect(orders.code).toBe(1);
    expect(orders.output).toContain('AUTH0_CLIENT_ID is not set');
    expect(orders.output).toContain('AUTH0_CLIENT_SECRET is not set');
    expect(orders.output).toContain('PORT="eighty" is not a TCP port');

    const inventory = await run('../../examples/inventory-api/src/main.ts', {
      AUTH0_ISSUER_BASE_URL: 'http://tenant.example.com/',
      AUTH0_CLIENT_ID: 'x',
      AUTH0_CLIENT_SECRET: 'y',
    });
    expect(inventory.code).toBe(1);
    expect(inventory.output).toContain('AUTH0_ISSUER_BASE_URL="http://tenant.example.com/" uses http');
  });

  it('npm start refuses a busy port, naming it and the variable that moves it', async () => {
    const busy = createServer();
    busy.listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const port = (busy.address() as { port: number }).port;
    try {
      const result = await run('../../examples/start.ts', { CATALOG_PORT: String(port), AUTHMESH_START_SPA: '0' });
      expect(result.code).toBe(1);
      expect(result.output).toContain(`port ${port} (API 1, catalog) is already in use`);
      expect(result.output).toContain(`CATALOG_PORT=${port + 10} npm start`);
    } finally {
      busy.close();
    }
  });
});
