import { fixtureConfig } from '@authmesh/testkit';
import { parseTenantConfig } from '../../src/config/load.ts';
import type { TenantConfig } from '../../src/config/types.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import { managementApiIdentifier } from '../../src/tenant/management-api.ts';
import { seedTenant } from '../../src/tenant/seed.ts';
import { passwordVariable } from '../../src/tenant-as-code/placeholders.ts';

export const ISSUER = 'http://localhost:4000/';

/** The fixture plus a Management API grant, which exports must carry with the issuer's audience. */
export function tenantConfig(): TenantConfig {
  const config = fixtureConfig();
  return fixtureConfig({
    clientGrants: [
      ...config.clientGrants,
      { client_id: 'Orders Service', audience: managementApiIdentifier(ISSUER), scope: ['read:users'] },
    ],
  });
}

/** The environment an exported file needs: each user's password under its placeholder variable. */
export function passwordEnv(config: TenantConfig = tenantConfig()): Record<string, string> {
  return Object.fromEntries(config.users.map((u) => [passwordVariable(u.email), u.password]));
}

const opened: Storage[] = [];

export function freshStorage(): Storage {
  const storage = openSqliteStorage({ path: ':memory:', sweepIntervalMs: 0 });
  opened.push(storage);
  return storage;
}

export async function closeAll(): Promise<void> {
  await Promise.all(opened.splice(0).map((s) => s.close()));
}

export async function seededStorage(config: TenantConfig = tenantConfig()): Promise<Storage> {
  const storage = freshStorage();
  await seedTenant(storage, config, ISSUER);
  return storage;
}

export function parse(text: string, env: Record<string, string> = passwordEnv()): TenantConfig {
  return parseTenantConfig(text, '<export>', env);
}
