/**
 * The README's quick starts are these example files, run here against a real tenant through the
 * package's public subpaths (`@authmesh/api/express`, ...), and quoted in the README verbatim.
 */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { fixtureConfig } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp as createExpressApp } from '../../examples/express.ts';
import { createApp as createFastifyApp } from '../../examples/fastify.ts';
import { createApp as createHonoApp } from '../../examples/hono.ts';
import { machineToken, ORDERS, startTenant, type Tenant } from './support/tenant.ts';

const ACME = 'https://catalog.acme.test';
const EXAMPLES = ['express', 'fastify', 'hono'] as const;

let tenant: Tenant;
let token: string;

beforeAll(async () => {
  // The fixture tenant plus the API the examples name, granted to the Orders Service.
  const base = fixtureConfig();
  const catalog = base.resourceServers[0];
  if (!catalog) throw new Error('fixture: no resource server');
  tenant = await startTenant({
    resourceServers: [
      ...base.resourceServers,
      { ...catalog, name: 'Acme Catalog', identifier: ACME, scopes: [{ value: 'read:products' }] },
    ],
    clientGrants: [{ client_id: 'Orders Service', audience: ACME, scope: ['read:products'] }],
  });
  token = await machineToken(tenant, ORDERS, ACME);
});
afterAll(() => tenant?.stop());

const expected = { products: [], caller: `${ORDERS.clientId}@clients` };

describe('the README quick starts, run', () => {
  it('express: /products answers 401 without a token and 200 with one', async () => {
    const server = createExpressApp(tenant.issuer).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/products`;
    try {
      expect((await fetch(url)).status).toBe(401);
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(expected);
    } finally {
      server.close();
    }
  });

  it('fastify: /products answers 401 without a token and 200 with one', async () => {
    const app = await createFastifyApp(tenant.issuer);
    try {
      expect((await app.inject({ url: '/products' })).statusCode).toBe(401);
      const response = await app.inject({ url: '/products', headers: { authorization: `Bearer ${token}` } });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(expected);
    } finally {
      await app.close();
    }
  });

  it('hono: /products answers 401 without a token and 200 with one', async () => {
    const app = createHonoApp(tenant.issuer);
    expect((await app.request('/products')).status).toBe(401);
    const response = await app.request('/products', { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(expected);
  });
});

describe('the README quotes them', () => {
  it.each(EXAMPLES)('README.md contains examples/%s.ts verbatim, as a ts code block', async (name) => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const code = await readFile(new URL(`../../examples/${name}.ts`, import.meta.url), 'utf8');
    expect(readme).toContain(`\`\`\`ts\n${code}\`\`\``);
  });
});
