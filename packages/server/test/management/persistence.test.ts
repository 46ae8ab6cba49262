import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { ADMIN, bind, clientCredentials, freePort, managementToken, ORDERS, startManagementTenant } from './support.ts';

/**
 * Changes made through /api/v2 live in the data directory: a restart with the same (unchanged)
 * tenant.yaml keeps them, because the file is only re-applied when its content changes.
 */
let dataDir: string;
let port: number;
let tenant: Tenant | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'authmesh-management-'));
  port = await freePort();
});
afterAll(async () => {
  await tenant?.close();
  await rm(dataDir, { recursive: true, force: true });
});

it('an API, a client, a grant, a rotated secret and an edited seeded client survive a restart', async () => {
  tenant = await startManagementTenant({ port, dataDir });
  let call = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
  const api = await call('POST', '/resource-servers', {
    body: { name: 'Persisted API', identifier: 'https://persisted.example.test', scopes: [{ value: 'read:things' }] },
  });
  const client = await call('POST', '/clients', { body: { name: 'Persisted Machine', app_type: 'non_interactive' } });
  const { client_id: clientId, client_secret: clientSecret } = client.json as {
    client_id: string;
    client_secret: string;
  };
  const grant = await call('POST', '/client-grants', {
    body: { client_id: clientId, audience: 'https://persisted.example.test', scope: ['read:things'] },
  });
  const rotated = await call('POST', `/clients/${ORDERS.clientId}/rotate-secret`);
  const newOrdersSecret = (rotated.json as { client_secret: string }).client_secret;
  await call('PATCH', '/clients/backoffice-0001', { body: { description: 'edited at run time' } });
  expect([api.status, client.status, grant.status, rotated.status]).toEqual([201, 201, 201, 200]);

  await tenant.close();
  tenant = await startManagementTenant({ port, dataDir });
  call = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));

  expect((await call('GET', `/resource-servers/${(api.json as { id: string }).id}`)).json).toEqual(api.json);
  expect((await call('GET', `/clients/${clientId}`)).json).toMatchObject({
    name: 'Persisted Machine',
    client_secret: clientSecret,
  });
  expect((await call('GET', `/client-grants/${(grant.json as { id: string }).id}`)).json).toEqual(grant.json);
  expect((await call('GET', '/clients/backoffice-0001')).json).toMatchObject({ description: 'edited at run time' });

  const issued = await clientCredentials(tenant.issuer, { clientId, clientSecret }, 'https://persisted.example.test');
  expect(issued.status).toBe(200);
  expect(issued.json).toMatchObject({ scope: 'read:things' });
  const catalog = 'https://catalog.example.test';
  expect((await clientCredentials(tenant.issuer, ORDERS, catalog)).status).toBe(401);
  expect((await clientCredentials(tenant.issuer, { ...ORDERS, clientSecret: newOrdersSecret }, catalog)).status).toBe(
    200,
  );
});
