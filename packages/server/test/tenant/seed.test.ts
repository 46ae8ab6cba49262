import { fixtureConfig } from '@authmesh/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import { verifyPassword } from '../../src/tenant/passwords.ts';
import type { ClientRecord, ResourceServerRecord, UserRecord } from '../../src/tenant/records.ts';
import { seedTenant } from '../../src/tenant/seed.ts';

const ISSUER = 'http://localhost:4000/';

/** How tenant.yaml and run-time changes (the Management API) live together across restarts. */
describe('seeding tenant.yaml into storage', () => {
  let storage: Storage;
  afterEach(() => storage?.close());

  it('keeps generated ids and secrets across restarts', async () => {
    storage = openSqliteStorage({ path: ':memory:', sweepIntervalMs: 0 });
    await seedTenant(storage, fixtureConfig(), ISSUER);
    const first = await storage.entities.getByKey<ClientRecord>('client', 'Inventory Service');
    await seedTenant(storage, fixtureConfig({ warnings: ['another start'] }), ISSUER);
    const second = await storage.entities.getByKey<ClientRecord>('client', 'Inventory Service');
    expect(second?.doc.client_id).toBe(first?.doc.client_id);
    expect(second?.doc.client_secret).toBe(first?.doc.client_secret);
  });

  it('an unchanged file leaves run-time changes alone; a changed file is applied again', async () => {
    storage = openSqliteStorage({ path: ':memory:', sweepIntervalMs: 0 });
    await seedTenant(storage, fixtureConfig(), ISSUER);
    const api = await storage.entities.getByKey<ResourceServerRecord>('resource_server', 'orders-api');
    if (!api) throw new Error('seeded API missing');
    // A change made at run time, as /api/v2 would make it.
    await storage.entities.apply([
      { op: 'put', kind: 'resource_server', id: api.id, key: api.key, doc: { ...api.doc, token_lifetime: 60 } },
    ]);

    await seedTenant(storage, fixtureConfig(), ISSUER);
    expect((await storage.entities.get<ResourceServerRecord>('resource_server', api.id))?.doc.token_lifetime).toBe(60);

    const edited = fixtureConfig();
    edited.resourceServers = edited.resourceServers.map((rs) =>
      rs.identifier === 'orders-api' ? { ...rs, token_lifetime: 120 } : rs,
    );
    await seedTenant(storage, edited, ISSUER);
    expect((await storage.entities.get<ResourceServerRecord>('resource_server', api.id))?.doc.token_lifetime).toBe(120);
  });

  it('a password changed in the file takes effect even when nothing else changed', async () => {
    storage = openSqliteStorage({ path: ':memory:', sweepIntervalMs: 0 });
    await seedTenant(storage, fixtureConfig(), ISSUER);
    const changed = fixtureConfig();
    changed.users = changed.users.map((u) =>
      u.email === 'alice@example.test' ? { ...u, password: 'a brand new passphrase' } : u,
    );
    await seedTenant(storage, changed, ISSUER);
    const alice = await storage.entities.getByKey<UserRecord>('user', 'alice@example.test');
    expect(await verifyPassword('a brand new passphrase', alice?.doc.password_hash)).toBe(true);
    expect(await verifyPassword('correct horse battery staple', alice?.doc.password_hash)).toBe(false);
  });

  it('entities the file no longer declares are removed', async () => {
    storage = openSqliteStorage({ path: ':memory:', sweepIntervalMs: 0 });
    await seedTenant(storage, fixtureConfig(), ISSUER);
    const smaller = fixtureConfig();
    smaller.clientGrants = smaller.clientGrants.filter((g) => g.client_id !== 'Inventory Service');
    await seedTenant(storage, smaller, ISSUER);
    const grants = await storage.entities.list('client_grant');
    expect(grants.total).toBe(1);
  });

  it('a client renamed in the file keeps its pinned id and is not removed', async () => {
    storage = openSqliteStorage({ path: ':memory:', sweepIntervalMs: 0 });
    await seedTenant(storage, fixtureConfig(), ISSUER);
    const renamed = fixtureConfig();
    renamed.clients = renamed.clients.map((c) =>
      c.client_id === 'backoffice-0001' ? { ...c, name: 'Back Office 2' } : c,
    );
    await seedTenant(storage, renamed, ISSUER);
    const client = await storage.entities.get<ClientRecord>('client', 'backoffice-0001');
    expect(client?.doc.name).toBe('Back Office 2');
    expect(await storage.entities.getByKey('client', 'Back Office')).toBeUndefined();
  });
});
