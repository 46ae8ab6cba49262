import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTenantConfig } from '../../src/config/load.ts';
import type { Tenant } from '../../src/create-tenant.ts';
import { exportTenant } from '../../src/tenant-as-code/export.ts';
import { ADMIN, bind, managementToken, startManagementTenant } from '../management/support.ts';
import { closeAll, ISSUER, seededStorage } from '../tenant-as-code/helpers.ts';
import { ALICE, BACK_OFFICE, CATALOG, config, exchange, ORDERS, userToken } from './token-exchange-support.ts';

/*
 * The On-Behalf-Of settings as configuration: a Custom API client's `resource_server_identifier` and
 * `token_exchange`, and user-delegated client grants (`subject_type: user`), from tenant.yaml, through
 * export and back, and over /api/v2 (a client and grant created there exchange tokens at once).
 */

const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;

describe('tenant.yaml', () => {
  it('loads a Custom API client and a user-delegated grant', () => {
    const loaded = parseTenantConfig(
      yaml(
        'resourceServers:',
        '  - { name: Orders API, identifier: orders-api, scopes: [{ value: read:orders }] }',
        '  - { name: Catalog API, identifier: https://catalog.test, scopes: [{ value: read:catalog }] }',
        'clients:',
        '  - name: Orders API (client)',
        '    app_type: resource_server',
        '    resource_server_identifier: orders-api',
        '    token_exchange: { allow_any_profile_of_type: [on_behalf_of_token_exchange] }',
        'clientGrants:',
        '  - { client_id: Orders API (client), audience: https://catalog.test, scope: [read:catalog], subject_type: user }',
        '  - { client_id: Orders API (client), audience: https://catalog.test, scope: [read:catalog] }',
      ),
      '<inline>',
    );
    expect(loaded.clients[0]).toMatchObject({
      resource_server_identifier: 'orders-api',
      token_exchange: { allow_any_profile_of_type: ['on_behalf_of_token_exchange'] },
    });
    // A user-delegated grant and a machine-to-machine one may share (client, audience), as at Auth0.
    expect(loaded.clientGrants.map((g) => g.subject_type ?? 'client')).toEqual(['user', 'client']);
  });

  it('explains what keeps a client from exchanging tokens', () => {
    const load =
      (...client: string[]) =>
      () =>
        parseTenantConfig(
          yaml(
            'resourceServers:',
            '  - { name: Orders API, identifier: orders-api }',
            'clients:',
            '  - name: Caller',
            ...client.map((l) => `    ${l}`),
          ),
          '<inline>',
        );
    expect(
      load('app_type: non_interactive', 'token_exchange: { allow_any_profile_of_type: [on_behalf_of_token_exchange] }'),
    ).toThrow('only Custom API clients (app_type resource_server) may use the On-Behalf-Of token exchange');
    expect(
      load('app_type: resource_server', 'token_exchange: { allow_any_profile_of_type: [on_behalf_of_token_exchange] }'),
    ).toThrow('needs resource_server_identifier');
    expect(
      load(
        'app_type: resource_server',
        'resource_server_identifier: orders-api',
        'token_exchange: { allow_any_profile_of_type: [bogus] }',
      ),
    ).toThrow('token_exchange.allow_any_profile_of_type');
    // Auth0 refuses the exchange to a public client: there would be no client authentication to trust.
    expect(
      load(
        'app_type: resource_server',
        'resource_server_identifier: orders-api',
        'token_endpoint_auth_method: none',
        'token_exchange: { allow_any_profile_of_type: [on_behalf_of_token_exchange] }',
      ),
    ).toThrow('the On-Behalf-Of token exchange needs client authentication');
    const undeclared = load('app_type: resource_server', 'resource_server_identifier: billing-api')();
    expect(undeclared.warnings.join('\n')).toContain('`billing-api` is not a declared API');
  });
});

describe('export', () => {
  afterAll(closeAll);

  it('writes the Custom API client and the user-delegated grant, and the file loads back the same', async () => {
    const storage = await seededStorage(config());
    const text = await exportTenant(storage, { issuer: ISSUER, users: 'omit' });
    const back = parseTenantConfig(text, '<export>');
    expect(back.clients.find((c) => c.name === 'Orders API (client)')).toMatchObject({
      app_type: 'resource_server',
      resource_server_identifier: ORDERS,
      token_exchange: { allow_any_profile_of_type: ['on_behalf_of_token_exchange'] },
    });
    expect(back.clientGrants).toContainEqual({
      client_id: 'Orders API (client)',
      audience: CATALOG,
      scope: ['adjust:stock', 'read:catalog'],
      subject_type: 'user',
    });
  });
});

describe('/api/v2', () => {
  let tenant: Tenant;
  let call: ReturnType<typeof bind>;
  beforeAll(async () => {
    tenant = await startManagementTenant({ overrides: { tenant: { ...config().tenant } } });
    call = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
    // The Back Office gets its user tokens with the password grant.
    const patched = await call('PATCH', `/clients/${BACK_OFFICE.id}`, {
      body: { grant_types: ['authorization_code', 'refresh_token', 'password'] },
    });
    expect(patched.status, JSON.stringify(patched.json)).toBe(200);
  });
  afterAll(() => tenant?.close());

  it('a Custom API client and a user grant created over the API exchange tokens at once', async () => {
    const created = await call('POST', '/clients', {
      body: {
        name: 'Orders API (client)',
        app_type: 'resource_server',
        resource_server_identifier: ORDERS,
        token_exchange: { allow_any_profile_of_type: ['on_behalf_of_token_exchange'] },
      },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const client = created.json as { client_id: string; client_secret: string };
    expect(created.json).toMatchObject({
      resource_server_identifier: ORDERS,
      token_exchange: { allow_any_profile_of_type: ['on_behalf_of_token_exchange'] },
    });
    const caller = { id: client.client_id, secret: client.client_secret };
    const subject = await userToken(tenant, ALICE, ORDERS);
    const before = await exchange(tenant, subject, {}, caller);
    expect(before.status).toBe(403);
    expect(before.json.error).toBe('access_denied');

    const grant = await call('POST', '/client-grants', {
      body: { client_id: client.client_id, audience: CATALOG, scope: ['read:catalog'], subject_type: 'user' },
    });
    expect(grant.status, JSON.stringify(grant.json)).toBe(201);
    expect(grant.json).toMatchObject({ subject_type: 'user', scope: ['read:catalog'] });
    const again = await call('POST', '/client-grants', {
      body: { client_id: client.client_id, audience: CATALOG, scope: ['read:catalog'], subject_type: 'user' },
    });
    expect(again.status).toBe(409);
    const listed = await call('GET', `/client-grants?client_id=${client.client_id}&subject_type=user`);
    expect((listed.json as unknown[]).length).toBe(1);
    const machines = await call('GET', `/client-grants?client_id=${client.client_id}&subject_type=client`);
    expect(machines.json).toEqual([]);

    const after = await exchange(tenant, subject, {}, caller);
    expect(after.status, JSON.stringify(after.json)).toBe(200);
    expect(after.json.scope).toBe('read:catalog');
  });
});
