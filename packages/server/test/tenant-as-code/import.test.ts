import { afterEach, describe, expect, it } from 'vitest';
import type { Storage } from '../../src/storage/contract.ts';
import type { ResourceServerRecord, UserRecord } from '../../src/tenant/records.ts';
import { applyImport } from '../../src/tenant-as-code/apply.ts';
import { exportTenant } from '../../src/tenant-as-code/export.ts';
import { formatPlan } from '../../src/tenant-as-code/format-plan.ts';
import { planImport } from '../../src/tenant-as-code/plan.ts';
import { closeAll, freshStorage, ISSUER, parse, seededStorage, tenantConfig } from './helpers.ts';

afterEach(closeAll);

/** Every stored entity, for "nothing changed" checks. */
async function snapshot(storage: Storage): Promise<unknown> {
  const kinds = ['resource_server', 'client', 'client_grant', 'role', 'user'] as const;
  return Promise.all(kinds.map(async (kind) => (await storage.entities.list(kind)).items));
}

describe('export → import round trip', () => {
  it('export, import into a fresh tenant, export again: identical (secrets left out)', async () => {
    const source = await seededStorage();
    const text = await exportTenant(source, { issuer: ISSUER });
    const target = freshStorage();
    await applyImport(target, parse(text), ISSUER);
    expect(await exportTenant(target, { issuer: ISSUER })).toBe(text);
  });

  it('with secrets, the round trip is identical too', async () => {
    const source = await seededStorage();
    const text = await exportTenant(source, { issuer: ISSUER, includeSecrets: true });
    const target = freshStorage();
    await applyImport(target, parse(text), ISSUER);
    expect(await exportTenant(target, { issuer: ISSUER, includeSecrets: true })).toBe(text);
  });

  it('importing the same file twice changes nothing the second time', async () => {
    const text = await exportTenant(await seededStorage(), { issuer: ISSUER });
    const target = freshStorage();
    const first = await applyImport(target, parse(text), ISSUER);
    expect(first.changes.every((c) => c.action === 'create')).toBe(true);
    const before = await snapshot(target);

    const plan = await planImport(target, parse(text), ISSUER);
    expect(plan.changes.length).toBe(first.changes.length);
    expect(plan.changes.filter((c) => c.action !== 'unchanged')).toEqual([]);
    await applyImport(target, parse(text), ISSUER);
    expect(await snapshot(target)).toEqual(before);
    expect(formatPlan(plan)).toMatch(/^No changes: \d+ entities already match the file\.\n$/);
  });

  it('the original configuration is unchanged against the tenant it was seeded into', async () => {
    const storage = await seededStorage();
    const plan = await planImport(storage, tenantConfig(), ISSUER);
    expect(plan.changes.filter((c) => c.action !== 'unchanged')).toEqual([]);
  });
});

describe('import order', () => {
  it('a file with clientGrants before clients imports cleanly', async () => {
    const text = [
      'clientGrants:',
      '  - { client_id: Late Service, audience: https://api.example.test, scope: [read:things] }',
      'clients:',
      '  - { name: Late Service, app_type: non_interactive }',
      'resourceServers:',
      '  - { name: Things, identifier: https://api.example.test, scopes: [{ value: read:things }] }',
    ].join('\n');
    const storage = freshStorage();
    await applyImport(storage, parse(text, {}), ISSUER);
    const exported = parse(await exportTenant(storage, { issuer: ISSUER }), {});
    expect(exported.clientGrants).toEqual([
      { client_id: 'Late Service', audience: 'https://api.example.test', scope: ['read:things'] },
    ]);
  });
});

describe('dry-run plan', () => {
  it('tells a user-delegated grant from the M2M grant of the same client on the same API', async () => {
    const text = [
      'resourceServers:',
      '  - { name: Things, identifier: https://api.example.test, scopes: [{ value: read:things }] }',
      '  - { name: Orders, identifier: https://orders.example.test, scopes: [{ value: read:orders }] }',
      'clients:',
      '  - { name: Orders Backend, app_type: resource_server, resource_server_identifier: https://orders.example.test }',
      'clientGrants:',
      '  - { client_id: Orders Backend, audience: https://api.example.test, scope: [read:things] }',
      '  - { client_id: Orders Backend, audience: https://api.example.test, scope: [read:things], subject_type: user }',
    ].join('\n');
    const storage = freshStorage();
    const created = formatPlan(await applyImport(storage, parse(text, {}), ISSUER));
    expect(created).toContain('+ client grant "Orders Backend" → "https://api.example.test"\n');
    expect(created).toContain('+ client grant "Orders Backend" → "https://api.example.test" (user-delegated)\n');

    const withoutDelegated = text.split('\n').slice(0, -1).join('\n');
    const plan = formatPlan(await planImport(storage, parse(withoutDelegated, {}), ISSUER));
    expect(plan).toContain('- client grant "Orders Backend" → "https://api.example.test" (user-delegated)\n');
    expect(plan).not.toContain('- client grant "Orders Backend" → "https://api.example.test"\n');
  });

  it('lists exactly the changed fields', async () => {
    const storage = await seededStorage();
    const edited = tenantConfig();
    edited.resourceServers = edited.resourceServers.map((rs) =>
      rs.identifier === 'orders-api' ? { ...rs, token_lifetime: 60, allow_offline_access: true } : rs,
    );
    edited.clients = edited.clients.filter((c) => c.name !== 'Back Office');
    edited.clientGrants = edited.clientGrants.filter((g) => g.client_id !== 'Inventory Service');
    edited.users = edited.users.map((u) =>
      u.email === 'bob@example.test' ? { ...u, password: 'a brand new password', name: 'Robert' } : u,
    );
    edited.roles = [...edited.roles, { name: 'Auditor', permissions: [] }];

    const plan = await planImport(storage, edited, ISSUER);
    const changed = plan.changes.filter((c) => c.action !== 'unchanged');
    expect(changed.map(({ kind, key, action, fields }) => ({ kind, key, action, fields }))).toEqual([
      {
        kind: 'resource_server',
        key: 'orders-api',
        action: 'update',
        fields: ['token_lifetime', 'allow_offline_access'],
      },
      { kind: 'client', key: 'Back Office', action: 'delete', fields: undefined },
      {
        kind: 'client_grant',
        key: 'Inventory Service → https://catalog.example.test',
        action: 'delete',
        fields: undefined,
      },
      { kind: 'role', key: 'Auditor', action: 'create', fields: undefined },
      { kind: 'user', key: 'bob@example.test', action: 'update', fields: ['name', 'password'] },
    ]);
    const text = formatPlan(plan);
    expect(text).toContain('~ resource server "orders-api" token_lifetime: 86400 → 60\n');
    expect(text).toContain('- client "Back Office"\n');
    expect(text).toContain('- client grant "Inventory Service" → "https://catalog.example.test"\n');
    expect(text).toContain('+ role "Auditor"\n');
    expect(text).toContain('~ user "bob@example.test" password: (changed)\n');
    expect(text).not.toContain('a brand new password');
    expect(text).toMatch(/Plan: 1 to create, 2 to update, 2 to delete, \d+ unchanged\.\n$/);

    await applyImport(storage, edited, ISSUER);
    expect((await planImport(storage, edited, ISSUER)).changes.every((c) => c.action === 'unchanged')).toBe(true);
  });

  it('an import reverts run-time changes to declared entities, even for the file applied last', async () => {
    const storage = await seededStorage();
    const api = await storage.entities.getByKey<ResourceServerRecord>('resource_server', 'orders-api');
    const bob = await storage.entities.getByKey<UserRecord>('user', 'bob@example.test');
    if (!api || !bob) throw new Error('seeded entities missing');
    await storage.entities.apply([
      { op: 'put', kind: 'resource_server', id: api.id, key: api.key, doc: { ...api.doc, token_lifetime: 60 } },
      { op: 'put', kind: 'user', id: bob.id, key: bob.key, doc: { ...bob.doc, blocked: true } },
    ]);
    const plan = await planImport(storage, tenantConfig(), ISSUER);
    expect(formatPlan(plan)).toContain('~ resource server "orders-api" token_lifetime: 60 → 86400\n');
    expect(formatPlan(plan)).toContain('~ user "bob@example.test" blocked: true → false\n');

    await applyImport(storage, tenantConfig(), ISSUER);
    const after = await storage.entities.get<ResourceServerRecord>('resource_server', api.id);
    expect(after?.doc.token_lifetime).toBe(86_400);
  });

  it('keeps entities created at run time that the file does not declare', async () => {
    const storage = await seededStorage();
    const doc = { id: 'rol_runtime000000001', name: 'Auditor', permissions: [] };
    await storage.entities.apply([{ op: 'put', kind: 'role', id: doc.id, key: doc.name, doc }]);
    const plan = await planImport(storage, tenantConfig(), ISSUER);
    expect(plan.changes.find((c) => c.key === 'Auditor')).toBeUndefined();
  });
});
