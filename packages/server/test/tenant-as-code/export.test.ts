import { afterEach, describe, expect, it } from 'vitest';
import type { ClientRecord, ResourceServerRecord, UserRecord } from '../../src/tenant/records.ts';
import { exportTenant } from '../../src/tenant-as-code/export.ts';
import { closeAll, ISSUER, parse, passwordEnv, seededStorage, tenantConfig } from './helpers.ts';

afterEach(closeAll);

describe('exportTenant', () => {
  it('writes a file the loader accepts, with the same entities', async () => {
    const storage = await seededStorage();
    const text = await exportTenant(storage, { issuer: ISSUER });
    const config = parse(text);
    expect(config.resourceServers.map((r) => r.identifier)).toEqual(['https://catalog.example.test', 'orders-api']);
    expect(config.clients.map((c) => c.name)).toEqual([
      'Back Office',
      'Inventory Service',
      'Orders Service',
      'Shop SPA',
    ]);
    expect(config.clientGrants).toContainEqual({
      client_id: 'Orders Service',
      audience: `${ISSUER}api/v2/`,
      scope: ['read:users'],
    });
    expect(config.roles.find((r) => r.name === 'Staff')?.permissions).toHaveLength(2);
    expect(config.users.map((u) => [u.email, u.roles])).toEqual([
      ['alice@example.test', ['Customer']],
      ['bob@example.test', ['Staff']],
    ]);
  });

  it('never writes the Management API itself', async () => {
    const text = await exportTenant(await seededStorage(), { issuer: ISSUER });
    expect(text).not.toContain('Auth0 Management API');
  });

  it('is byte-identical for the same tenant, and sorts entities by key', async () => {
    const storage = await seededStorage();
    const first = await exportTenant(storage, { issuer: ISSUER });
    expect(await exportTenant(storage, { issuer: ISSUER })).toBe(first);
    expect(first.indexOf('name: Back Office')).toBeLessThan(first.indexOf('name: Shop SPA'));
  });

  it('leaves secrets and passwords out unless asked', async () => {
    const storage = await seededStorage();
    const generated = (await storage.entities.getByKey<ClientRecord>('client', 'Inventory Service'))?.doc.client_secret;
    const hash = (await storage.entities.getByKey<UserRecord>('user', 'alice@example.test'))?.doc.password_hash;
    const text = await exportTenant(storage, { issuer: ISSUER });
    const forbidden = [
      'client_secret',
      'orders-secret',
      'backoffice-secret',
      String(generated),
      String(hash),
      'password_hash',
      ...Object.values(passwordEnv()),
    ];
    for (const secret of forbidden) expect(text).not.toContain(secret);
    expect(text).toContain('password: @@AUTHMESH_PASSWORD_ALICE_AT_EXAMPLE_TEST@@');

    const withSecrets = await exportTenant(storage, { issuer: ISSUER, includeSecrets: true });
    expect(withSecrets).toContain('orders-secret-0123456789abcdef0123456789abcdef');
    expect(withSecrets).toContain(String(generated));
    for (const password of Object.values(passwordEnv())) expect(withSecrets).not.toContain(password);
  });

  it('can leave users out', async () => {
    const text = await exportTenant(await seededStorage(), { issuer: ISSUER, users: 'omit' });
    expect(text).not.toContain('users:');
    expect(parse(text, {}).users).toEqual([]);
  });

  it('writes tenant settings only when given and not the defaults', async () => {
    const storage = await seededStorage();
    expect(await exportTenant(storage, { issuer: ISSUER, settings: tenantConfig().tenant })).not.toContain('tenant:');
    const settings = {
      ...tenantConfig().tenant,
      friendly_name: 'Acme',
      session_lifetime: 24,
      idle_session_lifetime: 2,
    };
    const config = parse(await exportTenant(storage, { issuer: ISSUER, settings }));
    expect(config.tenant).toEqual(settings);
  });

  it('contains changes made directly in storage, as /api/v2 makes them', async () => {
    const storage = await seededStorage();
    const api = await storage.entities.getByKey<ResourceServerRecord>('resource_server', 'orders-api');
    if (!api) throw new Error('seeded API missing');
    await storage.entities.apply([
      { op: 'put', kind: 'resource_server', id: api.id, key: api.key, doc: { ...api.doc, token_lifetime: 60 } },
      {
        op: 'put',
        kind: 'role',
        id: 'rol_runtime000000001',
        key: 'Auditor',
        doc: { id: 'rol_runtime000000001', name: 'Auditor', permissions: [] },
      },
    ]);
    const config = parse(await exportTenant(storage, { issuer: ISSUER }));
    expect(config.resourceServers.find((r) => r.identifier === 'orders-api')?.token_lifetime).toBe(60);
    expect(config.roles.map((r) => r.name)).toContain('Auditor');
  });
});
