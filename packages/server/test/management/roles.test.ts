import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import { managementApiIdentifier } from '../../src/tenant/management-api.ts';
import { ALICE, CATALOG } from '../security/helpers.ts';
import { ADMIN, bind, errorBody, managementToken, startManagementTenant } from './support.ts';
import { claimsOf, userAccessToken } from './user-login.ts';

/** `/api/v2/roles`, role permissions and members, user roles and permissions. */
let tenant: Tenant;
let call: ReturnType<typeof bind>;
let storage: Storage;

beforeAll(async () => {
  storage = openSqliteStorage({ path: ':memory:' });
  tenant = await startManagementTenant({ storage });
  call = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
});
afterAll(() => tenant?.close());

type Role = { id: string; name: string; description?: string };
type User = { user_id: string; email: string };

const perm = (permission_name: string, resource_server_identifier = CATALOG) => ({
  resource_server_identifier,
  permission_name,
});
const userPath = (id: string) => `/users/${encodeURIComponent(id)}`;

async function createRole(name: string, description?: string): Promise<Role> {
  const reply = await call('POST', '/roles', { body: { name, ...(description ? { description } : {}) } });
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return reply.json as Role;
}

async function userByEmail(email: string): Promise<User> {
  const reply = await call('GET', `/users-by-email?email=${encodeURIComponent(email)}`);
  const [user] = reply.json as User[];
  if (!user) throw new Error(`no user ${email}`);
  return user;
}

async function createUser(email: string): Promise<User> {
  const reply = await call('POST', '/users', {
    body: { connection: 'Username-Password-Authentication', email, password: 'member password 1' },
  });
  expect(reply.status).toBe(201);
  return reply.json as User;
}

describe('roles CRUD', () => {
  it('POST 200 {id,name,description}; GET; PATCH; name_filter; 409 on a duplicate name', async () => {
    const role = await createRole('Editors', 'Edit things');
    expect(role).toEqual({
      id: expect.stringMatching(/^rol_[A-Za-z0-9]{16}$/),
      name: 'Editors',
      description: 'Edit things',
    });
    expect((await call('GET', `/roles/${role.id}`)).json).toEqual(role);
    const patched = await call('PATCH', `/roles/${role.id}`, { body: { description: 'Edit more' } });
    expect(patched.json).toEqual({ ...role, description: 'Edit more' });
    const filtered = await call('GET', '/roles?name_filter=edit&include_totals=true');
    expect(filtered.json).toEqual({ start: 0, limit: 50, total: 1, roles: [{ ...role, description: 'Edit more' }] });
    const dup = await call('POST', '/roles', { body: { name: 'Customer' } });
    expect(dup.status).toBe(409);
    const renameClash = await call('PATCH', `/roles/${role.id}`, { body: { name: 'Staff' } });
    expect(renameClash.status).toBe(409);
  });

  it('400 naming an unknown field; 404 for an unknown role', async () => {
    const reply = await call('POST', '/roles', { body: { name: 'X', colour: 'red' } });
    expect(reply.json).toEqual(errorBody(400, /Additional properties not allowed: colour/, 'invalid_body'));
    const missing = await call('GET', '/roles/rol_doesnotexist0000');
    expect(missing.json).toEqual(errorBody(404, 'The role does not exist.', 'inexistent_role'));
  });

  it('DELETE → 200 {} and takes the role off its users in the same write', async () => {
    const role = await createRole('Temporary');
    const user = await createUser('temp@example.test');
    expect((await call('POST', `/roles/${role.id}/users`, { body: { users: [user.user_id] } })).status).toBe(200);
    const deleted = await call('DELETE', `/roles/${role.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({});
    expect((await call('GET', `/roles/${role.id}`)).status).toBe(404);
    const stored = await storage.entities.get<{ roles: string[] }>('user', user.user_id);
    expect(stored?.doc.roles).toEqual([]);
  });
});

describe('role permissions', () => {
  it('POST 201 {}, GET with API name and description, DELETE 204', async () => {
    const role = await createRole('Writers');
    const added = await call('POST', `/roles/${role.id}/permissions`, {
      body: { permissions: [perm('write:catalog'), perm('read:orders', 'orders-api'), perm('write:catalog')] },
    });
    expect(added.status).toBe(201);
    expect(added.json).toEqual({});
    const listed = await call('GET', `/roles/${role.id}/permissions?include_totals=true`);
    expect(listed.json).toEqual({
      start: 0,
      limit: 50,
      total: 2,
      permissions: [
        { ...perm('write:catalog'), resource_server_name: 'Catalog API', description: '' },
        { ...perm('read:orders', 'orders-api'), resource_server_name: 'Orders API', description: '' },
      ],
    });
    const removed = await call('DELETE', `/roles/${role.id}/permissions`, {
      body: { permissions: [perm('read:orders', 'orders-api')] },
    });
    expect(removed.status).toBe(204);
    expect((await call('GET', `/roles/${role.id}/permissions`)).json).toEqual([
      expect.objectContaining(perm('write:catalog')),
    ]);
  });

  it('400 naming an undeclared API, an undeclared scope, or the Management API', async () => {
    const role = await createRole('Broken');
    const unknownApi = await call('POST', `/roles/${role.id}/permissions`, {
      body: { permissions: [perm('read:x', 'https://nope.example.test')] },
    });
    expect(unknownApi.status).toBe(400);
    expect(unknownApi.json).toEqual(
      errorBody(
        400,
        /https:\/\/nope\.example\.test.*is not a declared API.*resource_server_identifier/,
        'invalid_body',
      ),
    );
    const unknownScope = await call('POST', `/roles/${role.id}/permissions`, { body: { permissions: [perm('fly')] } });
    expect(unknownScope.json).toEqual(
      errorBody(400, /permission `fly` is not a scope.*on property permissions\[0\]\.permission_name/, 'invalid_body'),
    );
    const management = await call('POST', `/roles/${role.id}/permissions`, {
      body: { permissions: [perm('read:users', managementApiIdentifier(tenant.issuer))] },
    });
    expect(management.status).toBe(400);
    const empty = await call('POST', `/roles/${role.id}/permissions`, { body: { permissions: [] } });
    expect(empty.status).toBe(400);
    expect((await call('GET', `/roles/${role.id}/permissions`)).json).toEqual([]);
  });
});

describe('role members', () => {
  it('POST users 200; GET pages with checkpoint from/take and with page/include_totals, across pages', async () => {
    const role = await createRole('Crowd');
    const members = [];
    for (const n of [1, 2, 3]) members.push(await createUser(`crowd${n}@example.test`));
    const ids = members.map((m) => m.user_id);
    const assigned = await call('POST', `/roles/${role.id}/users`, { body: { users: ids } });
    expect(assigned.status).toBe(200);

    const first = (await call('GET', `/roles/${role.id}/users?take=2`)).json as { users: User[]; next?: string };
    expect(first.users).toHaveLength(2);
    expect(first.users[0]).toEqual({
      user_id: ids[0],
      email: 'crowd1@example.test',
      name: 'crowd1@example.test',
      picture: expect.any(String),
    });
    expect(first.next).toEqual(expect.any(String));
    const second = (await call('GET', `/roles/${role.id}/users?take=2&from=${first.next}`)).json as {
      users: User[];
      next?: string;
    };
    expect(second.next).toBeUndefined();
    expect([...first.users, ...second.users].map((u) => u.user_id)).toEqual(ids);

    const page1 = await call('GET', `/roles/${role.id}/users?page=1&per_page=2&include_totals=true`);
    expect(page1.json).toEqual({ start: 2, limit: 2, total: 3, users: [expect.objectContaining({ user_id: ids[2] })] });

    const unknown = await call('POST', `/roles/${role.id}/users`, { body: { users: ['auth0|ghost'] } });
    expect(unknown.json).toEqual(errorBody(404, 'The user does not exist.', 'inexistent_user'));
  });
});

describe('user roles and permissions', () => {
  it('POST/DELETE /users/{id}/roles → 204; GET lists them; unknown role 404', async () => {
    const role = await createRole('Reviewers', 'Review');
    const user = await createUser('rita@example.test');
    const added = await call('POST', `${userPath(user.user_id)}/roles`, { body: { roles: [role.id] } });
    expect(added.status).toBe(204);
    const listed = await call('GET', `${userPath(user.user_id)}/roles?include_totals=true`);
    expect(listed.json).toEqual({ start: 0, limit: 50, total: 1, roles: [role] });
    const unknown = await call('POST', `${userPath(user.user_id)}/roles`, { body: { roles: ['rol_nope'] } });
    expect(unknown.status).toBe(404);
    const removed = await call('DELETE', `${userPath(user.user_id)}/roles`, { body: { roles: [role.id] } });
    expect(removed.status).toBe(204);
    expect((await call('GET', `${userPath(user.user_id)}/roles`)).json).toEqual([]);
    const bad = await call('POST', `${userPath(user.user_id)}/roles`, { body: { roles: [role.id], role_ids: [] } });
    expect(bad.json).toEqual(errorBody(400, /Additional properties not allowed: role_ids/, 'invalid_body'));
  });

  it('POST /users/{id}/permissions 201, GET items carry sources, DELETE 204', async () => {
    const bob = await userByEmail('bob@example.test');
    const added = await call('POST', `${userPath(bob.user_id)}/permissions`, {
      body: { permissions: [perm('read:catalog'), perm('create:orders', 'orders-api')] },
    });
    expect(added.status).toBe(201);
    const listed = (await call('GET', `${userPath(bob.user_id)}/permissions`)).json as Record<string, unknown>[];
    const readCatalog = listed.find((p) => p.permission_name === 'read:catalog');
    expect(readCatalog).toEqual({
      ...perm('read:catalog'),
      resource_server_name: 'Catalog API',
      description: '',
      sources: [
        { source_id: '', source_name: '', source_type: 'DIRECT' },
        { source_id: expect.stringMatching(/^rol_/), source_name: 'Staff', source_type: 'ROLE' },
      ],
    });
    expect(listed.find((p) => p.permission_name === 'adjust:stock')?.sources).toEqual([
      expect.objectContaining({ source_type: 'ROLE', source_name: 'Staff' }),
    ]);
    const removed = await call('DELETE', `${userPath(bob.user_id)}/permissions`, {
      body: { permissions: [perm('create:orders', 'orders-api')] },
    });
    expect(removed.status).toBe(204);
    const after = (await call('GET', `${userPath(bob.user_id)}/permissions`)).json as Record<string, unknown>[];
    expect(after.map((p) => p.permission_name).sort()).toEqual(['adjust:stock', 'read:catalog']);
  });
});

describe('live RBAC', () => {
  const aliceCatalogPermissions = async () =>
    claimsOf(await userAccessToken(tenant.issuer, ALICE, CATALOG, 'openid read:catalog write:catalog adjust:stock'))
      .permissions;

  it("a permission given to alice, directly or through her role, is in her next token's `permissions`", async () => {
    expect(await aliceCatalogPermissions()).toEqual(['read:catalog']);
    const alice = await userByEmail(ALICE.username);
    await call('POST', `${userPath(alice.user_id)}/permissions`, { body: { permissions: [perm('write:catalog')] } });
    expect(await aliceCatalogPermissions()).toEqual(['read:catalog', 'write:catalog']);

    const customer = ((await call('GET', '/roles?name_filter=Customer')).json as Role[])[0];
    if (!customer) throw new Error('no Customer role');
    expect(
      (await call('POST', `/roles/${customer.id}/permissions`, { body: { permissions: [perm('adjust:stock')] } }))
        .status,
    ).toBe(201);
    expect(await aliceCatalogPermissions()).toEqual(['adjust:stock', 'read:catalog', 'write:catalog']);

    await call('DELETE', `${userPath(alice.user_id)}/roles`, { body: { roles: [customer.id] } });
    await call('DELETE', `${userPath(alice.user_id)}/permissions`, { body: { permissions: [perm('write:catalog')] } });
    expect(await aliceCatalogPermissions()).toEqual([]);
  });
});
