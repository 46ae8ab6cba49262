import { fixtureClientCredentials, fixtureConfig, postJson as post } from '@authmesh/testkit';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import type { TenantConfig } from '../../src/config/types.ts';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import type { EntityStore, Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import type { UserRecord } from '../../src/tenant/records.ts';

/*
 * Username logins and the sign-up's "username taken" check on a `requires_username` connection, among many
 * users: they find the user through the storage's username index (EntityStore.findUsersByUsername) and never
 * list every user, which would make each guessed username cost the tenant a read of its whole user table.
 */

const REALM = 'http://auth0.com/oauth/grant-type/password-realm';
const BACK_OFFICE = fixtureClientCredentials('Back Office');
const STAFF = 'Staff-Directory';
const PARTNERS = 'Partner-Directory';
const OTHER_USERS = 1_000;

function usernameConnection(name: string): TenantConfig['connections'][number] {
  return {
    name,
    strategy: 'auth0',
    options: { requires_username: true, passwordPolicy: 'low' },
    database: { disable_signup: false, requires_username: true, passwordPolicy: 'low', brute_force_protection: true },
  };
}

function config(): TenantConfig {
  const base = fixtureConfig();
  return {
    ...base,
    clients: base.clients.map((c) =>
      c.name === 'Back Office' ? { ...c, grant_types: [...c.grant_types, REALM] as typeof c.grant_types } : c,
    ),
    connections: [usernameConnection(STAFF), usernameConnection(PARTNERS)],
  };
}

/** A database user of `connection` as sign-up stores one, without a usable password (it never logs in here). */
function storedUser(i: number, connection: string, extra: Partial<UserRecord> = {}): UserRecord {
  const now = new Date().toISOString();
  return {
    user_id: `auth0|bulk${i}`,
    email: `bulk${i}@example.test`,
    email_verified: false,
    name: `bulk${i}`,
    nickname: `bulk${i}`,
    picture: '',
    password_hash: '',
    roles: [],
    permissions: [],
    app_metadata: {},
    user_metadata: {},
    blocked: false,
    connection,
    username: `bulk${i}`,
    created_at: now,
    updated_at: now,
    ...extra,
  };
}

function signUp(tenant: Tenant, connection: string, email: string, username: string) {
  return post(tenant, 'dbconnections/signup', {
    client_id: BACK_OFFICE.id,
    connection,
    email,
    username,
    password: 'secret1',
  });
}

function login(tenant: Tenant, realm: string, username: string) {
  return post(tenant, 'oauth/token', {
    grant_type: REALM,
    realm,
    username,
    password: 'secret1',
    scope: 'openid email',
    client_id: BACK_OFFICE.id,
    client_secret: BACK_OFFICE.secret,
  });
}

describe('requires_username among many users', () => {
  let storage: Storage;
  let tenant: Tenant;
  let list: MockInstance<EntityStore['list']>;
  /** The calls that listed every user since the last look. */
  const userListings = () => {
    const calls = list.mock.calls.filter(([kind]) => kind === 'user');
    list.mockClear();
    return calls;
  };

  beforeAll(async () => {
    storage = openSqliteStorage({ path: ':memory:', sweepIntervalMs: 0 });
    tenant = await createTenant({ config: config(), port: 0, storage });
    const bulk = Array.from({ length: OTHER_USERS }, (_, i) => storedUser(i, i % 2 === 0 ? STAFF : PARTNERS));
    // A social user named like a database user: a social user never logs in with a password.
    bulk.push(
      storedUser(OTHER_USERS, 'google-oauth2', {
        user_id: 'google-oauth2|1',
        username: 'gus',
        provider: 'google-oauth2',
      }),
    );
    await storage.entities.apply(
      bulk.map((doc) => ({
        op: 'put' as const,
        kind: 'user' as const,
        id: doc.user_id,
        key: doc.provider === undefined ? doc.email : doc.user_id,
        doc,
      })),
    );
    list = vi.spyOn(storage.entities, 'list');
  });

  afterAll(async () => {
    await tenant?.close();
    await storage?.close();
  });

  it('signs up, and logs in by username in any case, without listing the users', async () => {
    expect((await signUp(tenant, STAFF, 'mia@example.test', 'Mia.Wong')).status).toBe(200);
    expect((await signUp(tenant, PARTNERS, 'lee@example.test', 'lee')).status).toBe(200);
    for (const username of ['Mia.Wong', 'mia.wong', 'MIA.WONG', '  mia.wong ']) {
      const reply = await login(tenant, STAFF, username);
      expect(reply.status, username).toBe(200);
      expect(decodeJwt(String(reply.json.id_token)).email).toBe('mia@example.test');
    }
    expect(userListings()).toStrictEqual([]);
  });

  it('a username of another connection, of a social user, or of nobody does not log in', async () => {
    for (const [realm, username] of [
      [STAFF, 'lee'],
      [STAFF, 'gus'],
      [STAFF, 'nobody'],
      [PARTNERS, 'mia.wong'],
    ] as const) {
      const reply = await login(tenant, realm, username);
      expect(reply.status, `${realm} ${username}`).toBe(403);
      expect(reply.json.error).toBe('invalid_grant');
    }
    expect((await login(tenant, PARTNERS, 'LEE')).status).toBe(200);
    expect(userListings()).toStrictEqual([]);
  });

  it('refuses a taken username in any case and on any connection, without listing the users', async () => {
    for (const [connection, username] of [
      [STAFF, 'MIA.wong'],
      [STAFF, 'Lee'],
      [PARTNERS, 'BULK7'],
      [STAFF, 'gus'],
    ] as const) {
      const taken = await signUp(tenant, connection, `new-${username}@example.test`, username);
      expect(taken.status, `${connection} ${username}`).toBe(400);
      expect(taken.json.code).toBe('username_exists');
    }
    expect((await signUp(tenant, PARTNERS, 'ria@example.test', 'ria')).status).toBe(200);
    expect(userListings()).toStrictEqual([]);
  });
});
