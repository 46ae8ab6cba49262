import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { managementApiIdentifier } from '../../src/tenant/management-api.ts';
import {
  ADMIN,
  bind,
  CATALOG,
  clientCredentials,
  errorBody,
  managementToken,
  ORDERS,
  type Reply,
  startManagementTenant,
} from './support.ts';

/** `/api/v2/resource-servers`. */
let tenant: Tenant;
let call: ReturnType<typeof bind>;

beforeAll(async () => {
  tenant = await startManagementTenant();
  call = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
});
afterAll(() => tenant?.close());

type Api = Record<string, unknown> & { id: string; identifier: string };

async function list(): Promise<Api[]> {
  const reply = await call('GET', '/resource-servers?per_page=100');
  return reply.json as Api[];
}

describe('GET /resource-servers', () => {
  it('lists the Management API first, as a system API named exactly "Auth0 Management API"', async () => {
    const apis = await list();
    const [system] = apis;
    expect(system).toMatchObject({
      name: 'Auth0 Management API',
      identifier: managementApiIdentifier(tenant.issuer),
      is_system: true,
      signing_alg: 'RS256',
    });
    expect(system?.id).toMatch(/^[0-9a-f]{24}$/);
    const catalog = apis.find((a) => a.identifier === CATALOG);
    expect(catalog).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      name: 'Catalog API',
      identifier: CATALOG,
      scopes: [{ value: 'read:catalog' }, { value: 'write:catalog' }, { value: 'adjust:stock' }],
      signing_alg: 'RS256',
      token_lifetime: 3600,
      allow_offline_access: true,
      skip_consent_for_verifiable_first_party_clients: true,
      enforce_policies: true,
      token_dialect: 'access_token_authz',
    });
    expect(catalog).not.toHaveProperty('is_system');
  });

  it('include_totals=true gives the envelope; identifiers filters; fields projects', async () => {
    const envelope = await call('GET', '/resource-servers?include_totals=true');
    expect(envelope.json).toMatchObject({ start: 0, limit: 50, total: expect.any(Number) });
    const filtered = await call(
      'GET',
      `/resource-servers?identifiers=${encodeURIComponent(CATALOG)}&identifiers=orders-api`,
    );
    expect((filtered.json as Api[]).map((a) => a.identifier)).toEqual([CATALOG, 'orders-api']);
    const projected = await call('GET', '/resource-servers?fields=identifier,name&include_fields=true&per_page=1');
    expect(projected.json).toEqual([
      { name: 'Auth0 Management API', identifier: managementApiIdentifier(tenant.issuer) },
    ]);
  });
});

describe('create, read, update, delete', () => {
  it('POST needs only an identifier and answers 201 with tenant.yaml defaults', async () => {
    const created = await call('POST', '/resource-servers', { body: { identifier: 'https://minimal.example.test' } });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      name: 'https://minimal.example.test',
      identifier: 'https://minimal.example.test',
      scopes: [],
      signing_alg: 'RS256',
      token_lifetime: 86_400,
      allow_offline_access: false,
      skip_consent_for_verifiable_first_party_clients: true,
      enforce_policies: false,
      token_dialect: 'access_token',
    });
  });

  it('GET, PATCH and DELETE address an API by id or by its URL-encoded identifier (both encodings)', async () => {
    const created = await call('POST', '/resource-servers', {
      body: { name: 'Billing API', identifier: 'https://billing.example.test/v1', scopes: [{ value: 'read:bills' }] },
    });
    const { id } = created.json as Api;
    const node = `/resource-servers/${encodeURIComponent('https://billing.example.test/v1')}`;
    const go = '/resource-servers/https:%2F%2Fbilling.example.test%2Fv1';
    for (const path of [`/resource-servers/${id}`, node, go]) {
      const reply = await call('GET', path);
      expect(reply.status, path).toBe(200);
      expect(reply.json).toEqual(created.json);
    }

    const patched = await call('PATCH', go, {
      body: { scopes: [{ value: 'write:bills', description: 'Write bills' }], token_lifetime: 600 },
    });
    expect(patched.status).toBe(200);
    // Top-level fields are replaced wholesale (Auth0): `read:bills` is gone.
    expect(patched.json).toMatchObject({
      id,
      name: 'Billing API',
      scopes: [{ value: 'write:bills', description: 'Write bills' }],
      token_lifetime: 600,
    });
    expect((await call('GET', `/resource-servers/${id}`)).json).toEqual(patched.json);

    const deleted = await call('DELETE', node);
    expect(deleted.status).toBe(204);
    expect(deleted.json).toBeUndefined();
    const gone = await call('GET', `/resource-servers/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual(errorBody(404, 'The resource server does not exist', 'inexistent_resource_server'));
    expect((await call('DELETE', node)).status).toBe(404);
  });

  it('identifiers that are not URLs work as path ids too', async () => {
    const reply = await call('GET', '/resource-servers/orders-api');
    expect(reply.json).toMatchObject({ name: 'Orders API', identifier: 'orders-api' });
  });

  it('a second API with the same identifier → 409', async () => {
    const reply = await call('POST', '/resource-servers', { body: { name: 'Again', identifier: CATALOG } });
    expect(reply.status).toBe(409);
    expect(reply.json).toEqual(
      errorBody(409, 'A resource server with the same identifier already exists.', 'conflict'),
    );
  });

  it('identifier is immutable: repeating it is accepted, changing it → 400', async () => {
    const path = '/resource-servers/orders-api';
    expect((await call('PATCH', path, { body: { identifier: 'orders-api', name: 'Orders API' } })).status).toBe(200);
    const reply = await call('PATCH', path, { body: { identifier: 'orders-api-2' } });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual(
      errorBody(
        400,
        "Payload validation error: 'identifier cannot be changed' on property identifier.",
        'invalid_body',
      ),
    );
    expect((await call('GET', '/resource-servers/orders-api-2')).status).toBe(404);
  });

  it('a body read back from the API (read-only fields included) is accepted as a create and an update', async () => {
    const read = (await call('GET', '/resource-servers/orders-api')).json as Api;
    const exported = { ...read, token_lifetime_for_web: 7200, signing_secret: 'not-used', client_id: 'x' };
    const copy = await call('POST', '/resource-servers', { body: { ...exported, identifier: 'orders-api-copy' } });
    expect(copy.status).toBe(201);
    expect(copy.json).toMatchObject({ name: 'Orders API', identifier: 'orders-api-copy' });
    expect((copy.json as Api).id).not.toBe(read.id);
    expect((await call('PATCH', '/resource-servers/orders-api', { body: exported })).status).toBe(200);
  });

  it('deleting an API deletes its client grants (Auth0 does the same)', async () => {
    await call('POST', '/resource-servers', {
      body: { identifier: 'https://short-lived.example.test', scopes: [{ value: 'x:y' }] },
    });
    const grant = await call('POST', '/client-grants', {
      body: { client_id: ORDERS.clientId, audience: 'https://short-lived.example.test', scope: ['x:y'] },
    });
    expect(grant.status).toBe(201);
    expect((await clientCredentials(tenant.issuer, ORDERS, 'https://short-lived.example.test')).status).toBe(200);

    expect(
      (await call('DELETE', `/resource-servers/${encodeURIComponent('https://short-lived.example.test')}`)).status,
    ).toBe(204);
    const grants = await call(
      'GET',
      `/client-grants?audience=${encodeURIComponent('https://short-lived.example.test')}`,
    );
    expect(grants.json).toEqual([]);
    expect((await call('GET', `/client-grants/${(grant.json as { id: string }).id}`)).status).toBe(404);
    const token = await clientCredentials(tenant.issuer, ORDERS, 'https://short-lived.example.test');
    expect(token.status).toBe(403);
    // Re-creating the API does not bring the grant back.
    await call('POST', '/resource-servers', { body: { identifier: 'https://short-lived.example.test' } });
    expect((await clientCredentials(tenant.issuer, ORDERS, 'https://short-lived.example.test')).status).toBe(403);
  });
});

describe('references to an API', () => {
  it('removing scopes narrows grants and MRRT policies; deleting the API removes them, so the client stays editable', async () => {
    const identifier = 'https://referenced.example.test';
    await call('POST', '/resource-servers', {
      body: { identifier, scopes: [{ value: 'read:a' }, { value: 'write:a' }] },
    });
    const grant = await call('POST', '/client-grants', {
      body: { client_id: ORDERS.clientId, audience: identifier, scope: ['read:a', 'write:a'] },
    });
    const spa = await call('POST', '/clients', {
      body: {
        name: 'MRRT SPA',
        app_type: 'spa',
        callbacks: ['http://localhost:5174/callback'],
        refresh_token: {
          rotation_type: 'rotating',
          expiration_type: 'expiring',
          policies: [{ audience: identifier, scope: ['read:a', 'write:a'] }],
        },
      },
    });
    expect(spa.status).toBe(201);
    const spaPath = `/clients/${(spa.json as { client_id: string }).client_id}`;
    const apiPath = `/resource-servers/${encodeURIComponent(identifier)}`;

    expect((await call('PATCH', apiPath, { body: { scopes: [{ value: 'read:a' }] } })).status).toBe(200);
    expect((await call('GET', `/client-grants/${(grant.json as { id: string }).id}`)).json).toMatchObject({
      scope: ['read:a'],
    });
    expect((await clientCredentials(tenant.issuer, ORDERS, identifier)).json).toMatchObject({ scope: 'read:a' });
    expect((await call('GET', spaPath)).json).toMatchObject({
      refresh_token: { policies: [{ audience: identifier, scope: ['read:a'] }] },
    });

    expect((await call('DELETE', apiPath)).status).toBe(204);
    const after = (await call('GET', spaPath)).json as { refresh_token: Record<string, unknown> };
    expect(after.refresh_token).not.toHaveProperty('policies');
    expect((await call('PATCH', spaPath, { body: { description: 'still editable' } })).status).toBe(200);
  });
});

describe('the Management API itself', () => {
  it('cannot be updated or deleted, by id or identifier → 403 operation_not_supported', async () => {
    const [system] = await list();
    const byIdentifier = `/resource-servers/${encodeURIComponent(managementApiIdentifier(tenant.issuer))}`;
    for (const path of [`/resource-servers/${system?.id}`, byIdentifier]) {
      const patch = await call('PATCH', path, { body: { name: 'Mine now' } });
      expect(patch.status).toBe(403);
      expect(patch.json).toMatchObject({ statusCode: 403, errorCode: 'operation_not_supported' });
      expect((await call('DELETE', path)).status).toBe(403);
      expect((await call('GET', path)).json).toMatchObject({ name: 'Auth0 Management API', is_system: true });
    }
  });

  it('its name and identifier cannot be taken by another API', async () => {
    const byName = await call('POST', '/resource-servers', {
      body: { name: 'Auth0 Management API', identifier: 'https://fake.example.test' },
    });
    expect(byName.status).toBe(400);
    expect(byName.json).toMatchObject({
      errorCode: 'invalid_body',
      message: expect.stringContaining('on property name'),
    });
    const byIdentifier = await call('POST', '/resource-servers', {
      body: { identifier: 'https://other-tenant.example.test/api/v2/' },
    });
    expect(byIdentifier.status).toBe(400);
    expect(byIdentifier.json).toMatchObject({ message: expect.stringContaining('on property identifier') });
  });
});

describe('validation (400 naming the field) and atomicity', () => {
  async function expectRefused(reply: Reply, message: string): Promise<void> {
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual(errorBody(400, message, 'invalid_body'));
  }

  it('refuses unknown and ill-typed fields on create and update, and stores nothing', async () => {
    const before = (await list()).length;
    const base = { name: 'Bad', identifier: 'https://bad.example.test' };
    await expectRefused(
      await call('POST', '/resource-servers', { body: { ...base, foo: 1 } }),
      "Payload validation error: 'Additional properties not allowed: foo'.",
    );
    await expectRefused(
      await call('POST', '/resource-servers', { body: { ...base, token_lifetime: '3600' } }),
      "Payload validation error: 'Expected type number but found type string' on property token_lifetime.",
    );
    await expectRefused(
      await call('POST', '/resource-servers', { body: { ...base, token_lifetime: 36.5 } }),
      "Payload validation error: 'Expected type integer but found type number' on property token_lifetime.",
    );
    await expectRefused(
      await call('POST', '/resource-servers', { body: { ...base, scopes: [{ value: 'a', desc: 'typo' }] } }),
      "Payload validation error: 'Additional properties not allowed: desc' on property scopes[0].",
    );
    await expectRefused(
      await call('POST', '/resource-servers', { body: { name: 'No identifier' } }),
      "Payload validation error: 'Missing required property: identifier'.",
    );
    await expectRefused(
      await call('POST', '/resource-servers', { body: { ...base, token_lifetime: 0 } }),
      "Payload validation error: 'Value 0 is less than minimum 1' on property token_lifetime.",
    );
    await expectRefused(
      await call('POST', '/resource-servers', { body: { ...base, token_dialect: 'jwt' } }),
      'Payload validation error: \'No enum match for: "jwt"\' on property token_dialect.',
    );
    await expectRefused(
      await call('PATCH', '/resource-servers/orders-api', { body: { allow_offline_access: 'yes' } }),
      "Payload validation error: 'Expected type boolean but found type string' on property allow_offline_access.",
    );
    await expectRefused(
      await call('PATCH', '/resource-servers/orders-api', { body: { bar: true } }),
      "Payload validation error: 'Additional properties not allowed: bar'.",
    );
    // tenant.yaml's rules apply: RS256 only, scopes without spaces.
    const hs256 = await call('POST', '/resource-servers', { body: { ...base, signing_alg: 'HS256' } });
    expect(hs256.json).toMatchObject({ statusCode: 400, message: expect.stringContaining('on property signing_alg') });
    const spaced = await call('POST', '/resource-servers', { body: { ...base, scopes: [{ value: 'read orders' }] } });
    expect(spaced.json).toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('on property scopes[0].value'),
    });
    await expectRefused(
      await call('POST', '/resource-servers', { body: [base] }),
      "Payload validation error: 'Expected type object but found type array'.",
    );
    await expectRefused(
      await call('POST', '/resource-servers'),
      "Payload validation error: 'Expected type object but found type null'.",
    );

    expect((await list()).length).toBe(before);
    expect((await call('GET', '/resource-servers/orders-api')).json).toMatchObject({ allow_offline_access: false });
  });

  it('refuses malformed JSON, other media types and oversized bodies', async () => {
    const malformed = await call('POST', '/resource-servers', { rawBody: '{"identifier":' });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toEqual(errorBody(400, 'Invalid request payload JSON format', 'invalid_body'));
    const form = await call('POST', '/resource-servers', {
      rawBody: 'identifier=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const huge = await call('POST', '/resource-servers', {
      body: { identifier: 'https://huge.example.test', name: 'x'.repeat(120_000) },
    });
    expect(huge.status).toBe(413);
    expect(huge.json).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    expect((await call('GET', `/resource-servers/${encodeURIComponent('https://huge.example.test')}`)).status).toBe(
      404,
    );
  });
});
