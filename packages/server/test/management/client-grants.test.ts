import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { managementApiIdentifier } from '../../src/tenant/management-api.ts';
import {
  ADMIN,
  api,
  bind,
  CATALOG,
  clientCredentials,
  errorBody,
  managementToken,
  ORDERS,
  startManagementTenant,
} from './support.ts';

/**
 * `/api/v2/client-grants`. The token endpoint reads grants from the
 * registry that every write refreshes, so each change is checked with a real token request right after.
 */
let tenant: Tenant;
let call: ReturnType<typeof bind>;

beforeAll(async () => {
  tenant = await startManagementTenant();
  call = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
});
afterAll(() => tenant?.close());

type Grant = { id: string; client_id: string; audience: string; scope: string[] };
type Machine = { client_id: string; client_secret: string };

let counter = 0;
/** A fresh M2M client, so that each test owns its grants. */
async function machine(): Promise<Machine> {
  counter += 1;
  const reply = await call('POST', '/clients', { body: { name: `Machine ${counter}`, app_type: 'non_interactive' } });
  return reply.json as Machine;
}

function token(client: Machine, audience: string, scope?: string) {
  return clientCredentials(
    tenant.issuer,
    { clientId: client.client_id, clientSecret: client.client_secret },
    audience,
    scope,
  );
}

describe('create', () => {
  it('POST → 201 {id, client_id, audience, scope}; the client gets tokens for the API at once', async () => {
    const m2m = await machine();
    expect((await token(m2m, 'orders-api')).status).toBe(403);
    const created = await call('POST', '/client-grants', {
      body: {
        client_id: m2m.client_id,
        audience: 'orders-api',
        scope: ['read:orders', 'create:orders', 'read:orders'],
      },
    });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      id: expect.stringMatching(/^cgr_[A-Za-z0-9]{16}$/),
      client_id: m2m.client_id,
      audience: 'orders-api',
      scope: ['create:orders', 'read:orders'],
    });
    const issued = await token(m2m, 'orders-api');
    expect(issued.status).toBe(200);
    expect(issued.json).toMatchObject({ scope: 'create:orders read:orders', token_type: 'Bearer' });

    const { id } = created.json as Grant;
    expect((await call('GET', `/client-grants/${id}`)).json).toEqual(created.json);
    const filtered = await call('GET', `/client-grants?client_id=${m2m.client_id}&audience=orders-api`);
    expect(filtered.json).toEqual([created.json]);
  });

  it('one grant per (client, audience): a second → 409 with Auth0 text', async () => {
    const reply = await call('POST', '/client-grants', {
      body: { client_id: ORDERS.clientId, audience: CATALOG, scope: ['read:catalog'] },
    });
    expect(reply.status).toBe(409);
    expect(reply.json).toEqual(
      errorBody(409, `A client grant already exists between ${ORDERS.clientId} and ${CATALOG}`, 'conflict'),
    );
  });

  it('unknown audience → 404 "No resource with identifier"; unknown client → 404', async () => {
    const noApi = await call('POST', '/client-grants', {
      body: { client_id: ORDERS.clientId, audience: 'https://nowhere.example.test', scope: [] },
    });
    expect(noApi.status).toBe(404);
    expect(noApi.json).toEqual(
      errorBody(404, 'No resource with identifier https://nowhere.example.test', 'inexistent_resource_server'),
    );
    const noClient = await call('POST', '/client-grants', {
      body: { client_id: 'no-such-client', audience: CATALOG, scope: [] },
    });
    expect(noClient.status).toBe(404);
    expect(noClient.json).toEqual(errorBody(404, 'The client does not exist', 'inexistent_client'));
  });

  it('scopes must be scopes of the API (400 naming the scope)', async () => {
    const m2m = await machine();
    const reply = await call('POST', '/client-grants', {
      body: { client_id: m2m.client_id, audience: CATALOG, scope: ['read:catalog', 'delete:everything'] },
    });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({
      errorCode: 'invalid_body',
      message: expect.stringMatching(
        /^Payload validation error: 'scope `delete:everything` is not declared on API .* on property scope\[1\]\.$/,
      ),
    });
    expect((await call('GET', `/client-grants?client_id=${m2m.client_id}`)).json).toEqual([]);
  });

  it('allow_all_scopes grants every scope of the API, but not of the Management API', async () => {
    const m2m = await machine();
    const all = await call('POST', '/client-grants', {
      body: { client_id: m2m.client_id, audience: CATALOG, allow_all_scopes: true },
    });
    expect(all.json).toMatchObject({ scope: ['adjust:stock', 'read:catalog', 'write:catalog'] });
    const management = await call('POST', '/client-grants', {
      body: { client_id: m2m.client_id, audience: managementApiIdentifier(tenant.issuer), allow_all_scopes: true },
    });
    expect(management.status).toBe(400);
  });

  it('refuses unknown, ill-typed and unsupported fields; accepts the read-only ones of exports', async () => {
    const m2m = await machine();
    const base = { client_id: m2m.client_id, audience: CATALOG };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, scope: [], extra: 1 }, "Payload validation error: 'Additional properties not allowed: extra'."],
      [
        { ...base, scope: 'read:catalog' },
        "Payload validation error: 'Expected type array but found type string' on property scope.",
      ],
      [
        { ...base, scope: [42] },
        "Payload validation error: 'Expected type string but found type integer' on property scope[0].",
      ],
      [{ ...base }, "Payload validation error: 'Missing required property: scope'."],
      [{ audience: CATALOG, scope: [] }, "Payload validation error: 'Missing required property: client_id'."],
    ];
    for (const [body, message] of cases) {
      const reply = await call('POST', '/client-grants', { body });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.json).toEqual(errorBody(400, message, 'invalid_body'));
    }
    const defaultFor = await call('POST', '/client-grants', {
      body: { ...base, scope: [], default_for: 'third_party_clients' },
    });
    expect(defaultFor.json).toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('on property default_for'),
    });
    expect((await call('GET', `/client-grants?client_id=${m2m.client_id}`)).json).toEqual([]);

    const exported = await call('POST', '/client-grants', {
      body: {
        ...base,
        scope: ['read:catalog'],
        id: 'cgr_fromanothertenant',
        is_system: false,
        subject_type: 'client',
        organization_usage: 'deny',
        allow_any_organization: false,
      },
    });
    expect(exported.status).toBe(201);
    expect((exported.json as Grant).id).not.toBe('cgr_fromanothertenant');
  });
});

describe('update and delete', () => {
  it('PATCH replaces the scope and takes effect at the next token request', async () => {
    const m2m = await machine();
    const created = await call('POST', '/client-grants', {
      body: { client_id: m2m.client_id, audience: CATALOG, scope: ['read:catalog'] },
    });
    const path = `/client-grants/${(created.json as Grant).id}`;
    const patched = await call('PATCH', path, { body: { scope: ['adjust:stock'] } });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ scope: ['adjust:stock'], client_id: m2m.client_id, audience: CATALOG });
    const revoked = await token(m2m, CATALOG, 'read:catalog');
    expect(revoked.status).toBe(403);
    expect(revoked.json).toMatchObject({ error_description: 'Client has not been granted scopes: read:catalog' });
    expect((await token(m2m, CATALOG)).json).toMatchObject({ scope: 'adjust:stock' });
    // An empty body changes nothing.
    expect((await call('PATCH', path, { body: {} })).json).toEqual(patched.json);
  });

  it('PATCH refuses changes to client, audience or subject type, and undeclared scopes; nothing changes', async () => {
    const m2m = await machine();
    const created = await call('POST', '/client-grants', {
      body: { client_id: m2m.client_id, audience: CATALOG, scope: ['read:catalog'] },
    });
    const path = `/client-grants/${(created.json as Grant).id}`;
    for (const field of ['client_id', 'audience', 'subject_type']) {
      const reply = await call('PATCH', path, { body: { scope: [], [field]: 'client' } });
      expect(reply.status).toBe(400);
      expect(reply.json).toEqual(
        errorBody(400, `Payload validation error: 'Additional properties not allowed: ${field}'.`, 'invalid_body'),
      );
    }
    const undeclared = await call('PATCH', path, { body: { scope: ['read:catalog', 'nope'] } });
    expect(undeclared.json).toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('on property scope[1]'),
    });
    expect((await call('GET', path)).json).toEqual(created.json);
    expect((await token(m2m, CATALOG)).status).toBe(200);
  });

  it('DELETE → 204, and the client is refused at once; unknown ids → 404', async () => {
    const m2m = await machine();
    const created = await call('POST', '/client-grants', {
      body: { client_id: m2m.client_id, audience: CATALOG, scope: ['read:catalog'] },
    });
    expect((await token(m2m, CATALOG)).status).toBe(200);
    const path = `/client-grants/${(created.json as Grant).id}`;
    const deleted = await call('DELETE', path);
    expect(deleted.status).toBe(204);
    const refused = await token(m2m, CATALOG);
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ error: 'access_denied' });
    const missing = await call('GET', path);
    expect(missing.json).toEqual(errorBody(404, 'The grant does not exist.', 'inexistent_client_grant'));
    expect((await call('DELETE', path)).status).toBe(404);
    expect((await call('PATCH', path, { body: { scope: [] } })).status).toBe(404);
  });
});

describe('Management API grants', () => {
  it('a grant created through the API lets a new client call the Management API with exactly its scopes', async () => {
    const m2m = await machine();
    const audience = managementApiIdentifier(tenant.issuer);
    const grant = await call('POST', '/client-grants', {
      body: { client_id: m2m.client_id, audience, scope: ['read:clients'] },
    });
    expect(grant.status).toBe(201);
    const issued = await token(m2m, audience);
    expect(issued.status).toBe(200);
    const access = (issued.json as { access_token: string }).access_token;
    expect((await api(tenant.issuer, 'GET', '/clients', { token: access })).status).toBe(200);
    expect((await api(tenant.issuer, 'GET', '/client-grants', { token: access })).status).toBe(403);
    const unknownScope = await call('POST', '/client-grants', {
      body: { client_id: ORDERS.clientId, audience, scope: ['read:everything'] },
    });
    expect(unknownScope.status).toBe(400);
  });
});
