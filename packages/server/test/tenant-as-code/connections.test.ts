import { afterEach, describe, expect, it } from 'vitest';
import type { TenantConfig } from '../../src/config/types.ts';
import { applyImport } from '../../src/tenant-as-code/apply.ts';
import { exportTenant } from '../../src/tenant-as-code/export.ts';
import { formatPlan } from '../../src/tenant-as-code/format-plan.ts';
import { planImport } from '../../src/tenant-as-code/plan.ts';
import { closeAll, freshStorage, ISSUER, parse, seededStorage, tenantConfig } from './helpers.ts';

afterEach(closeAll);

/** The fixture with a second database (enabled for one app) and a social connection (for every app). */
function withConnections(): TenantConfig {
  const base = tenantConfig();
  return {
    ...base,
    connections: [
      ...base.connections,
      {
        name: 'Partners',
        strategy: 'auth0',
        enabled_clients: ['Back Office'],
        options: { passwordPolicy: 'excellent', disable_signup: true },
        database: {
          disable_signup: true,
          requires_username: false,
          passwordPolicy: 'excellent',
          brute_force_protection: true,
        },
      },
      { name: 'github', strategy: 'github', options: { scope: ['read:user'] } },
    ],
  };
}

describe('connections in authmesh export and import', () => {
  it('a tenant with only the default database exports no databases section', async () => {
    const text = await exportTenant(await seededStorage(), { issuer: ISSUER });
    expect(text).not.toContain('databases:');
    expect(text).not.toContain('connections:');
  });

  it('exports databases and connections with client names, and the round trip is identical', async () => {
    const text = await exportTenant(await seededStorage(withConnections()), { issuer: ISSUER });
    const parsed = parse(text);
    expect(parsed.connections.map((c) => [c.name, c.enabled_clients])).toEqual([
      ['Partners', ['Back Office']],
      ['Username-Password-Authentication', undefined],
      ['github', undefined],
    ]);
    expect(parsed.connections[0]?.database?.passwordPolicy).toBe('excellent');

    const target = freshStorage();
    await applyImport(target, parsed, ISSUER);
    expect(await exportTenant(target, { issuer: ISSUER })).toBe(text);
    expect((await planImport(target, parsed, ISSUER)).changes.filter((c) => c.action !== 'unchanged')).toEqual([]);
  });

  it('the dry-run plan names a changed connection field and a removed connection', async () => {
    const storage = await seededStorage(withConnections());
    const edited = withConnections();
    edited.connections = edited.connections
      .filter((c) => c.name !== 'github')
      .map((c) => (c.name === 'Partners' ? { ...c, enabled_clients: ['Back Office', 'Shop SPA'] } : c));
    const plan = await planImport(storage, edited, ISSUER);
    const text = formatPlan(plan);
    expect(text).toContain('~ connection "Partners" enabled_clients:');
    expect(text).toContain('- connection "github"\n');
  });
});
