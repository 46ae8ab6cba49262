import { fixtureConfig } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import type { TenantContext } from '../../src/tenant/context.ts';
import { recordLogin } from '../../src/tenant/login-stats.ts';
import type { UserRecord } from '../../src/tenant/records.ts';
import { seedTenant } from '../../src/tenant/seed.ts';
import { ADMIN, bind, freePort, managementConfig, managementToken } from '../management/support.ts';
import { userAccessToken } from '../management/user-login.ts';
import { ALICE, CATALOG, tokenRequest } from '../security/helpers.ts';

/*
 * Every successful login counts on the user, as at Auth0 (`logins_count`, `last_login`, `last_ip` on
 * /api/v2/users), whether or not post-login actions are bound (this tenant has none): the login page and
 * the password grant count, a refresh-token exchange does not.
 */

const REALM = 'http://auth0.com/oauth/grant-type/password-realm';
const BACK_OFFICE = { id: 'backoffice-0001', secret: 'backoffice-secret-0123456789abcdef0123456789ab' };

let tenant: Tenant;
let call: ReturnType<typeof bind>;

beforeAll(async () => {
  const port = await freePort();
  const issuer = `http://localhost:${port}/`;
  const base = managementConfig(issuer);
  tenant = await createTenant({
    config: {
      ...base,
      tenant: { ...base.tenant, default_directory: 'Username-Password-Authentication' },
      clients: base.clients.map((c) =>
        c.client_id === BACK_OFFICE.id
          ? { ...c, grant_types: ['authorization_code', 'refresh_token', 'password', REALM] as typeof c.grant_types }
          : c,
      ),
    },
    port,
    issuer,
    dataDir: null,
  });
  call = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
});
afterAll(() => tenant?.close());

async function alice(): Promise<Record<string, unknown>> {
  const reply = await call('GET', `/users-by-email?email=${encodeURIComponent(ALICE.username)}`);
  expect(reply.status).toBe(200);
  const [user] = reply.json as Record<string, unknown>[];
  return user ?? {};
}

describe('login statistics', () => {
  it('count every login without actions, on /api/v2/users, and not a refresh', async () => {
    const before = await alice();
    expect(before).not.toHaveProperty('logins_count');
    expect(before).not.toHaveProperty('last_login');

    await userAccessToken(tenant.issuer, ALICE, CATALOG);
    const afterPage = await alice();
    expect(afterPage.logins_count).toBe(1);
    expect(afterPage.last_ip).toMatch(/127\.0\.0\.1$/);
    expect(new Date(String(afterPage.last_login)).toISOString()).toBe(afterPage.last_login);

    const password = await tokenRequest(tenant.issuer, {
      grant_type: 'password',
      client_id: BACK_OFFICE.id,
      client_secret: BACK_OFFICE.secret,
      ...ALICE,
      audience: CATALOG,
      scope: 'openid offline_access read:catalog',
    });
    expect(password.status, password.text).toBe(200);
    const refreshToken = String((password.json as { refresh_token?: unknown }).refresh_token);
    const afterPassword = await alice();
    expect(afterPassword.logins_count).toBe(2);

    const refreshed = await tokenRequest(tenant.issuer, {
      grant_type: 'refresh_token',
      client_id: BACK_OFFICE.id,
      client_secret: BACK_OFFICE.secret,
      refresh_token: refreshToken,
    });
    expect(refreshed.status, refreshed.text).toBe(200);
    const afterRefresh = await alice();
    expect(afterRefresh.logins_count).toBe(2);
    expect(afterRefresh.last_login).toBe(afterPassword.last_login);
  });
});

describe('seeding the tenant file again', () => {
  it('keeps the login statistics, which the file does not hold', async () => {
    const storage = openSqliteStorage({ path: ':memory:', sweepIntervalMs: 0 });
    try {
      const config = fixtureConfig();
      await seedTenant(storage, config, 'http://localhost:4000/');
      const user = await storage.entities.getByKey<UserRecord>('user', ALICE.username);
      // recordLogin reads only the storage of the tenant's context.
      const context = { storage } as TenantContext;
      await recordLogin(context, user?.id ?? '', '127.0.0.1');
      expect(await recordLogin(context, user?.id ?? '', '127.0.0.2')).toBe(2);
      await seedTenant(storage, config, 'http://localhost:4000/', { force: true });
      const after = (await storage.entities.getByKey<UserRecord>('user', ALICE.username))?.doc;
      expect(after).toMatchObject({ logins_count: 2, last_ip: '127.0.0.2' });
    } finally {
      await storage.close();
    }
  });
});
