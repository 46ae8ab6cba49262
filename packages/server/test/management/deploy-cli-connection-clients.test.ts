import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { ADMIN, bind, errorBody, managementToken, ORDERS, READER, startManagementTenant } from './support.ts';

/*
 * `/api/v2/connections/{id}/clients`, the enabled-clients endpoints the Deploy CLI 8 reads and writes for
 * every database and social connection (the round trip itself is in deploy-cli.test.ts).
 */

let tenant: Tenant;
let call: ReturnType<typeof bind>;
let connectionId: string;

beforeAll(async () => {
  tenant = await startManagementTenant();
  call = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
  const [database] = (await call('GET', '/connections?strategy=auth0')).json as { id: string }[];
  connectionId = database?.id ?? '';
});
afterAll(() => tenant?.close());

async function enabledClients(): Promise<string[]> {
  const ids: string[] = [];
  let from: string | undefined;
  do {
    const page = await call('GET', `/connections/${connectionId}/clients?take=2${from ? `&from=${from}` : ''}`);
    const body = page.json as { clients: { client_id: string }[]; next?: string };
    ids.push(...body.clients.map((c) => c.client_id));
    from = body.next;
  } while (from !== undefined);
  return ids;
}

describe('/connections/{id}/clients', () => {
  it('lists every client of a connection enabled for all, in checkpoint pages', async () => {
    const ids = await enabledClients();
    expect(ids).toEqual(tenant.clients.map((c) => c.client_id));
    expect(ids.length).toBeGreaterThan(2);
  });

  it('PATCH enables and disables clients (204), and the connection says so', async () => {
    const reply = await call('PATCH', `/connections/${connectionId}/clients`, {
      body: [{ client_id: ORDERS.clientId, status: false }],
    });
    expect(reply.status).toBe(204);
    expect(await enabledClients()).not.toContain(ORDERS.clientId);
    const connection = (await call('GET', `/connections/${connectionId}`)).json as { enabled_clients: string[] };
    expect(connection.enabled_clients).not.toContain(ORDERS.clientId);
    await call('PATCH', `/connections/${connectionId}/clients`, {
      body: [{ client_id: ORDERS.clientId, status: true }],
    });
    expect(await enabledClients()).toContain(ORDERS.clientId);
  });

  it('refuses unknown clients and connections, malformed changes, and callers without the scope', async () => {
    const unknownClient = await call('PATCH', `/connections/${connectionId}/clients`, {
      body: [{ client_id: 'no-such-client', status: true }],
    });
    expect(unknownClient.json).toEqual(errorBody(404, 'The client does not exist', 'inexistent_client'));
    expect((await call('GET', '/connections/con_nope/clients')).json).toEqual(
      errorBody(404, 'The connection does not exist', 'inexistent_connection'),
    );
    const malformed = await call('PATCH', `/connections/${connectionId}/clients`, {
      body: [{ client_id: ORDERS.clientId, enabled: true }],
    });
    expect(malformed.json).toEqual(
      errorBody(
        400,
        "Payload validation error: 'Additional properties not allowed: enabled' on property [0].",
        'invalid_body',
      ),
    );
    expect((await call('PATCH', `/connections/${connectionId}/clients`, { body: [] })).status).toBe(400);
    const reader = bind(tenant.issuer, await managementToken(tenant.issuer, READER));
    expect((await reader('GET', `/connections/${connectionId}/clients`)).status).toBe(403);
    // Nothing changed.
    expect(await enabledClients()).toContain(ORDERS.clientId);
  });
});
