import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import type { AuditEvent } from '../../src/index.ts';
import { managementApiIdentifier } from '../../src/tenant/management-api.ts';
import {
  CATALOG,
  clientCredentials,
  clientOf,
  consoleApi,
  INVENTORY_API,
  ORDERS_API,
  SPA_CLIENT_ID,
  sessionToken,
  startConsoleTenant,
} from './support.ts';

interface System {
  tenant: { name: string; issuer: string };
  clients: Array<{
    client_id: string;
    name: string;
    app_type?: string;
    callbacks: string[];
    allowed_origins: string[];
    refresh_token?: { rotation_type: string; policies?: { audience: string; scope: string[] }[] };
  }>;
  apis: Array<{
    identifier: string;
    name: string;
    is_system: boolean;
    enforce_policies: boolean;
    scopes: { value: string }[];
  }>;
  client_grants: Array<{ id: string; client_id: string; audience: string; scope: string[]; subject_type: string }>;
  roles: Array<{
    id: string;
    name: string;
    permissions: { audience: string; permission: string }[];
    user_count: number;
  }>;
  users: { total: number; shown: Array<{ email?: string; blocked: boolean; role_ids: string[] }> };
  actions: Array<{ trigger: string; actions: { name: string }[] }>;
}

/** The example tenant (examples/tenant.yaml) as the console's picture shows it. */
describe('GET /console/api/system and /console/api/session (loopback)', () => {
  let tenant: Tenant;
  const audits: AuditEvent[] = [];

  beforeAll(async () => {
    tenant = await startConsoleTenant({ onAudit: (event) => audits.push(event) });
  });
  afterAll(() => tenant?.close());

  async function system(): Promise<System> {
    const reply = await consoleApi(tenant, 'system');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    return reply.json as System;
  }

  it('shows the seed’s system: the SPA, three APIs, the M2M and user-delegated grants, the roles', async () => {
    const picture = await system();
    const id = (name: string) => clientOf(tenant, name).clientId;
    expect(picture.tenant).toEqual({ name: 'Acme Shop', issuer: tenant.issuer });

    const spa = picture.clients.find((c) => c.client_id === SPA_CLIENT_ID);
    expect(spa).toMatchObject({
      name: 'Acme Shop SPA',
      app_type: 'spa',
      callbacks: ['http://localhost:5173/'],
      allowed_origins: ['http://localhost:5173'],
      refresh_token: {
        rotation_type: 'rotating',
        policies: [
          { audience: ORDERS_API, scope: ['create:orders', 'read:orders'] },
          { audience: INVENTORY_API, scope: ['adjust:inventory', 'read:inventory'] },
        ],
      },
    });
    expect(picture.apis.filter((a) => !a.is_system).map((a) => [a.name, a.identifier])).toEqual([
      ['Catalog API', CATALOG],
      ['Orders API', ORDERS_API],
      ['Inventory API', INVENTORY_API],
    ]);
    expect(picture.apis.find((a) => a.is_system)?.identifier).toBe(managementApiIdentifier(tenant.issuer));

    const grants = picture.client_grants.map((g) => [g.client_id, g.audience, g.scope, g.subject_type]);
    expect(grants).toEqual([
      [id('Orders Service'), CATALOG, ['read:products'], 'client'],
      [id('Inventory Service'), CATALOG, ['read:products', 'write:stock'], 'client'],
      [id('Orders API (client)'), CATALOG, ['read:products'], 'user'],
    ]);

    const roles = Object.fromEntries(picture.roles.map((r) => [r.name, r]));
    expect(roles.Customer?.permissions).toEqual([
      { audience: CATALOG, permission: 'read:products' },
      { audience: ORDERS_API, permission: 'read:orders' },
      { audience: ORDERS_API, permission: 'create:orders' },
    ]);
    expect(roles.Staff?.permissions.map((p) => p.permission)).toEqual([
      'read:products',
      'read:orders',
      'read:inventory',
      'adjust:inventory',
    ]);
    expect(roles.Customer?.user_count).toBe(1);
    expect(roles.Staff?.user_count).toBe(1);
    expect(picture.users.total).toBe(2);
    const customer = picture.users.shown.find((u) => u.email === 'customer@acme.test');
    expect(customer).toMatchObject({ blocked: false, role_ids: [roles.Customer?.id] });
    expect(picture.actions).toEqual([
      { trigger: 'post-login', actions: [{ id: expect.any(String), name: 'roles-in-tokens' }] },
      { trigger: 'credentials-exchange', actions: [{ id: expect.any(String), name: 'service-name-in-m2m-tokens' }] },
    ]);
  });

  it('never contains a secret or a password hash', async () => {
    const text = JSON.stringify(await system());
    for (const client of tenant.clients) {
      if (client.client_secret) expect(text).not.toContain(client.client_secret);
    }
    expect(text).not.toMatch(/password|"client_secret"|\$argon2|\$scrypt/);
  });

  it('hands a loopback console a 1-hour Management API token that reads and writes /api/v2, audited like any caller', async () => {
    const session = await consoleApi(tenant, 'session');
    expect(session.json).toMatchObject({
      mode: 'loopback',
      tenant: { name: 'Acme Shop', issuer: tenant.issuer },
      management: { audience: managementApiIdentifier(tenant.issuer), token: expect.any(String), expires_in: 3600 },
      include_tokens: true,
    });
    const token = await sessionToken(tenant);
    const clients = await fetch(new URL('api/v2/clients', tenant.url), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(clients.status).toBe(200);

    // Grant the Orders Service the inventory API from the console: its next client-credentials request succeeds.
    const orders = clientOf(tenant, 'Orders Service');
    expect((await clientCredentials(tenant, orders, INVENTORY_API)).status).toBe(403);
    audits.length = 0;
    const created = await fetch(new URL('api/v2/client-grants', tenant.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: orders.clientId, audience: INVENTORY_API, scope: ['read:inventory'] }),
    });
    expect(created.status).toBe(201);
    expect(audits).toEqual([
      expect.objectContaining({ actor: 'authmesh-console', action: 'POST /client-grants', status: 201 }),
    ]);
    expect((await clientCredentials(tenant, orders, INVENTORY_API)).status).toBe(200);
    expect(
      (await system()).client_grants.some((g) => g.client_id === orders.clientId && g.audience === INVENTORY_API),
    ).toBe(true);

    // The token is for the Management API only: no scope beyond what the console edits.
    const deleted = await fetch(new URL(`api/v2/clients/${orders.clientId}`, tenant.url), {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(deleted.status).toBe(403);
  });
});
