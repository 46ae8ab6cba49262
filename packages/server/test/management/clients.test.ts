import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import {
  ADMIN,
  bind,
  CATALOG,
  clientCredentials,
  EDITOR,
  errorBody,
  managementToken,
  ORDERS,
  READER,
  SUMMARY,
  startManagementTenant,
} from './support.ts';

/** `/api/v2/clients`, and who may see or set a secret (docs/security.md, "Management API"). */
let tenant: Tenant;
let call: ReturnType<typeof bind>;

beforeAll(async () => {
  tenant = await startManagementTenant();
  call = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
});
afterAll(() => tenant?.close());

type ClientJson = Record<string, unknown> & { client_id: string; client_secret?: string; name: string };

async function create(body: Record<string, unknown>): Promise<ClientJson> {
  const reply = await call('POST', '/clients', { body });
  if (reply.status !== 201) throw new Error(`create failed: ${reply.status} ${JSON.stringify(reply.json)}`);
  return reply.json as ClientJson;
}

/** Client-credentials status for a client on the Catalog API (403 = authenticated but no grant). */
async function tokenStatus(clientId: string, clientSecret: string): Promise<number> {
  return (await clientCredentials(tenant.issuer, { clientId, clientSecret }, CATALOG)).status;
}

describe('POST /clients', () => {
  it('needs only a name: a confidential app with a generated 64-character secret', async () => {
    const created = await create({ name: 'Generic App' });
    expect(created).toEqual({
      client_id: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      client_secret: expect.stringMatching(/^[A-Za-z0-9]{64}$/),
      name: 'Generic App',
      app_type: 'regular_web',
      is_first_party: true,
      global: false,
      oidc_conformant: true,
      callbacks: [],
      allowed_logout_urls: [],
      web_origins: [],
      allowed_origins: [],
      // Without callbacks, no login grant: the engine refuses a code-grant client without redirect URIs.
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
      jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36_000, secret_encoded: false },
      refresh_token: {
        rotation_type: 'non-rotating',
        expiration_type: 'non-expiring',
        leeway: 0,
        token_lifetime: 2_592_000,
        infinite_token_lifetime: true,
        idle_token_lifetime: 1_296_000,
        infinite_idle_token_lifetime: true,
      },
      sso_disabled: false,
      cross_origin_authentication: false,
      custom_login_page_on: true,
    });
    // The client exists at the token endpoint at once: authenticated, refused only for want of a grant.
    expect(await tokenStatus(created.client_id, created.client_secret ?? '')).toBe(403);
  });

  it('with callbacks, the grant types are Auth0 API defaults (without implicit); code without a callback is kept, as in Auth0', async () => {
    const web = await create({ name: 'Web App', callbacks: ['https://web.example.test/callback'] });
    expect(web.grant_types).toEqual(['authorization_code', 'refresh_token', 'client_credentials']);
    // Auth0 stores it (its "Default App" is such a client); a login then ends on "Callback URL mismatch".
    const noCallback = await create({ name: 'No Callback', app_type: 'spa', grant_types: ['authorization_code'] });
    expect(noCallback.grant_types).toEqual(['authorization_code']);
    expect(noCallback.callbacks).toEqual([]);
  });

  it('SPAs and native apps never get a secret', async () => {
    const spa = await create({
      name: 'New SPA',
      app_type: 'spa',
      callbacks: ['http://localhost:3000/callback'],
      web_origins: ['http://localhost:3000'],
    });
    expect(spa).not.toHaveProperty('client_secret');
    expect(spa).toMatchObject({
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      refresh_token: { rotation_type: 'rotating', expiration_type: 'expiring' },
    });
    const native = await create({ name: 'New Native', app_type: 'native', callbacks: ['com.example.app://callback'] });
    expect(native).not.toHaveProperty('client_secret');
    const read = await call('GET', `/clients/${spa.client_id}`);
    expect(read.json).not.toHaveProperty('client_secret');
  });

  it('tenant.yaml rules apply: public clients cannot hold a secret (which is never echoed)', async () => {
    const secret = 'a-secret-that-must-not-be-echoed-0123456789';
    const reply = await call('POST', '/clients', {
      body: { name: 'Leaky SPA', app_type: 'spa', client_secret: secret },
    });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({
      errorCode: 'invalid_body',
      message: expect.stringContaining('on property client_secret'),
    });
    expect(JSON.stringify(reply.json)).not.toContain(secret);
    const short = await call('POST', '/clients', {
      body: { name: 'Short', app_type: 'non_interactive', client_secret: 'short' },
    });
    expect(short.status).toBe(400);
    expect(JSON.stringify(short.json)).not.toContain('"short"');
  });

  it('accepts what an Auth0 export contains: read-only fields are ignored, `implicit` is kept', async () => {
    const exported = {
      name: 'Exported App',
      app_type: 'regular_web',
      client_id: 'ignored-client-id-0001',
      global: false,
      tenant: 'someone-else',
      callback_url_template: false,
      signing_keys: [{ cert: '-----BEGIN CERTIFICATE-----' }],
      cross_origin_auth: false,
      oidc_conformant: true,
      sso_disabled: false,
      callbacks: ['https://app.example.test/callback'],
      grant_types: ['authorization_code', 'implicit', 'refresh_token'],
      jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 3600, secret_encoded: false },
      custom_login_page_on: true,
    };
    const created = await create(exported);
    expect(created.client_id).not.toBe('ignored-client-id-0001');
    expect(created).toMatchObject({
      // The engine serves `response_type=id_token` to clients with `implicit`, as Auth0 does.
      grant_types: ['authorization_code', 'implicit', 'refresh_token'],
      jwt_configuration: { lifetime_in_seconds: 3600 },
    });
    expect(created).not.toHaveProperty('tenant');
  });

  it('refuses unknown, ill-typed and unsupported fields, naming them, and stores nothing', async () => {
    const count = async () => ((await call('GET', '/clients?include_totals=true')).json as { total: number }).total;
    const before = await count();
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'X', foo: 1 }, "Payload validation error: 'Additional properties not allowed: foo'."],
      [
        { name: 'X', callbacks: 'https://x.test/cb' },
        "Payload validation error: 'Expected type array but found type string' on property callbacks.",
      ],
      [
        { name: 'X', app_type: 'machine' },
        'Payload validation error: \'No enum match for: "machine"\' on property app_type.',
      ],
      [{ name: '' }, "Payload validation error: 'String is too short (0 chars), minimum 1' on property name."],
      [{ app_type: 'spa' }, "Payload validation error: 'Missing required property: name'."],
      [
        { name: 'X', refresh_token: { rotation_type: 'rotating', colour: 'blue' } },
        "Payload validation error: 'Additional properties not allowed: colour' on property refresh_token.",
      ],
    ];
    for (const [body, message] of cases) {
      const reply = await call('POST', '/clients', { body });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.json).toEqual(errorBody(400, message, 'invalid_body'));
    }
    const urls = await call('POST', '/clients', { body: { name: 'X', callbacks: ['javascript:alert(1)'] } });
    expect(urls.json).toMatchObject({ statusCode: 400, message: expect.stringContaining('on property callbacks[0]') });
    const pkjwt = await call('POST', '/clients', {
      body: { name: 'X', client_authentication_methods: { private_key_jwt: { credentials: [] } } },
    });
    expect(pkjwt.json).toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('not supported yet'),
    });
    expect(await count()).toBe(before);
  });

  it('client names are unique in authmesh (409)', async () => {
    const reply = await call('POST', '/clients', { body: { name: 'Shop SPA', app_type: 'spa' } });
    expect(reply.status).toBe(409);
    expect(reply.json).toEqual(errorBody(409, 'A client with the same name already exists.', 'conflict'));
  });
});

describe('GET /clients', () => {
  it('the secret only with read:client_keys; read:client_summary sees a summary', async () => {
    const withKeys = await call('GET', `/clients/${ORDERS.clientId}`);
    expect(withKeys.json).toMatchObject({ client_id: ORDERS.clientId, client_secret: ORDERS.clientSecret });

    const reader = bind(tenant.issuer, await managementToken(tenant.issuer, READER));
    const plain = await reader('GET', `/clients/${ORDERS.clientId}`);
    expect(plain.json).toMatchObject({ client_id: ORDERS.clientId, grant_types: ['client_credentials'] });
    expect(plain.json).not.toHaveProperty('client_secret');
    const listed = (await reader('GET', '/clients?per_page=100')).json as ClientJson[];
    expect(listed.length).toBeGreaterThan(4);
    expect(listed.every((c) => !('client_secret' in c))).toBe(true);

    const summary = bind(tenant.issuer, await managementToken(tenant.issuer, SUMMARY));
    const brief = await summary('GET', `/clients/${ORDERS.clientId}`);
    expect(brief.json).toEqual({
      client_id: ORDERS.clientId,
      name: 'Orders Service',
      app_type: 'non_interactive',
      is_first_party: true,
      global: false,
    });
  });

  it('filters by app_type and answers 404 in Auth0 shape for an unknown id', async () => {
    const spas = (await call('GET', '/clients?app_type=spa,native')).json as ClientJson[];
    expect(spas.length).toBeGreaterThan(0);
    expect(spas.every((c) => c.app_type === 'spa' || c.app_type === 'native')).toBe(true);
    const missing = await call('GET', '/clients/not-a-client');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual(errorBody(404, 'The client does not exist', 'inexistent_client'));
  });
});

describe('PATCH /clients/{id}', () => {
  it('replaces the provided top-level fields and keeps the rest', async () => {
    const created = await create({
      name: 'Patch Me',
      app_type: 'regular_web',
      callbacks: ['https://a.example.test/cb', 'https://b.example.test/cb'],
      allowed_logout_urls: ['https://a.example.test/'],
    });
    const patched = await call('PATCH', `/clients/${created.client_id}`, {
      body: { callbacks: ['https://c.example.test/cb'], description: 'patched' },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      client_id: created.client_id,
      client_secret: created.client_secret,
      name: 'Patch Me',
      description: 'patched',
      callbacks: ['https://c.example.test/cb'],
      allowed_logout_urls: ['https://a.example.test/'],
    });
    expect((await call('GET', `/clients/${created.client_id}`)).json).toEqual(patched.json);
  });

  it('renames, but not onto another client’s name; client_id may only be repeated', async () => {
    const created = await create({ name: 'Before Rename', app_type: 'non_interactive' });
    const path = `/clients/${created.client_id}`;
    expect(
      (await call('PATCH', path, { body: { name: 'After Rename', client_id: created.client_id } })).json,
    ).toMatchObject({
      name: 'After Rename',
    });
    const clash = await call('PATCH', path, { body: { name: 'Shop SPA' } });
    expect(clash.status).toBe(409);
    const otherId = await call('PATCH', path, { body: { client_id: 'another-id-0001' } });
    expect(otherId.status).toBe(400);
    expect(otherId.json).toEqual(
      errorBody(400, "Payload validation error: 'client_id cannot be changed' on property client_id.", 'invalid_body'),
    );
    expect((await call('GET', path)).json).toMatchObject({ name: 'After Rename', client_id: created.client_id });
    expect((await call('GET', '/clients/another-id-0001')).status).toBe(404);
  });

  it('a refused update changes nothing', async () => {
    const created = await create({ name: 'Atomic', callbacks: ['https://ok.example.test/cb'] });
    const path = `/clients/${created.client_id}`;
    const bad = await call('PATCH', path, {
      body: { callbacks: ['https://fine.example.test/cb', 'data:text/html,x'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ message: expect.stringContaining('on property callbacks[1]') });
    const typo = await call('PATCH', path, { body: { callbaks: [] } });
    expect(typo.json).toEqual(
      errorBody(400, "Payload validation error: 'Additional properties not allowed: callbaks'.", 'invalid_body'),
    );
    expect((await call('GET', path)).json).toEqual({ ...created });
  });

  it('turning a web app into an SPA drops its secret and secret-based settings', async () => {
    const created = await create({ name: 'Becomes SPA', callbacks: ['http://localhost:4000/cb'] });
    const patched = await call('PATCH', `/clients/${created.client_id}`, { body: { app_type: 'spa' } });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      app_type: 'spa',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
    });
    expect(patched.json).not.toHaveProperty('client_secret');
    expect(await tokenStatus(created.client_id, created.client_secret ?? '')).toBe(401);
  });

  it('setting a secret needs update:client_keys, and a 32+ character secret', async () => {
    const created = await create({ name: 'Custom Secret', app_type: 'non_interactive' });
    const path = `/clients/${created.client_id}`;
    const editor = bind(tenant.issuer, await managementToken(tenant.issuer, EDITOR));
    const chosen = 'chosen-secret-0123456789abcdef0123456789';
    const refused = await editor('PATCH', path, { body: { client_secret: chosen } });
    expect(refused.status).toBe(403);
    expect(refused.json).toEqual(
      errorBody(403, 'Insufficient scope, expected any of: update:client_keys', 'insufficient_scope'),
    );
    // Other fields are fine with update:clients, and the answer shows no secret without key scopes.
    const renamed = await editor('PATCH', path, { body: { description: 'by the editor' } });
    expect(renamed.status).toBe(200);
    expect(renamed.json).not.toHaveProperty('client_secret');

    const short = await call('PATCH', path, { body: { client_secret: 'too-short' } });
    expect(short.status).toBe(400);
    expect(JSON.stringify(short.json)).not.toContain('too-short');
    expect((await call('PATCH', path, { body: { client_secret: chosen } })).status).toBe(200);
    expect(await tokenStatus(created.client_id, chosen)).toBe(403);
    expect(await tokenStatus(created.client_id, created.client_secret ?? '')).toBe(401);
  });
});

describe('rotate-secret and DELETE', () => {
  it('rotate-secret: 200 with a new secret; the old one stops working at once', async () => {
    const created = await create({ name: 'Rotating', app_type: 'non_interactive' });
    const old = created.client_secret ?? '';
    expect(await tokenStatus(created.client_id, old)).toBe(403);
    const rotated = await call('POST', `/clients/${created.client_id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const fresh = (rotated.json as ClientJson).client_secret ?? '';
    expect(fresh).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(fresh).not.toBe(old);
    expect(await tokenStatus(created.client_id, old)).toBe(401);
    expect(await tokenStatus(created.client_id, fresh)).toBe(403);
  });

  it('rotate-secret of a public client → 400, of an unknown client → 404', async () => {
    const rotated = await call('POST', '/clients/spa-client-0001/rotate-secret');
    expect(rotated.status).toBe(400);
    expect(rotated.json).toMatchObject({ errorCode: 'operation_not_supported' });
    expect((await call('POST', '/clients/nope/rotate-secret')).status).toBe(404);
  });

  it('DELETE → 204; the client and its grants are gone at once', async () => {
    const created = await create({ name: 'Short Lived', app_type: 'non_interactive' });
    const grant = await call('POST', '/client-grants', {
      body: { client_id: created.client_id, audience: CATALOG, scope: ['read:catalog'] },
    });
    expect(grant.status).toBe(201);
    expect(await tokenStatus(created.client_id, created.client_secret ?? '')).toBe(200);

    const deleted = await call('DELETE', `/clients/${created.client_id}`);
    expect(deleted.status).toBe(204);
    expect(await tokenStatus(created.client_id, created.client_secret ?? '')).toBe(401);
    expect((await call('GET', `/clients/${created.client_id}`)).status).toBe(404);
    expect((await call('GET', `/client-grants?client_id=${created.client_id}`)).json).toEqual([]);
    expect((await call('DELETE', `/clients/${created.client_id}`)).status).toBe(404);
  });
});
