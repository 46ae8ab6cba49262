import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { managementApiIdentifier } from '../../src/tenant/management-api.ts';
import { ALICE, BOB } from '../security/helpers.ts';
import {
  ADMIN,
  api,
  bind,
  clientCredentials,
  errorBody,
  managementToken,
  READER,
  startManagementTenant,
} from './support.ts';
import { claimsOf, userAccessToken } from './user-login.ts';

/**
 * Who may call the user and role endpoints: 401 without a valid token, 403 without one of the endpoint's
 * scopes (before any lookup), and the self-service boundary of a user's own Management API token.
 */
let tenant: Tenant;
let issuer: string;
let admin: ReturnType<typeof bind>;
let aliceId: string;
let bobId: string;

beforeAll(async () => {
  tenant = await startManagementTenant();
  issuer = tenant.issuer;
  admin = bind(issuer, await managementToken(issuer, ADMIN));
  const idOf = (email: string) => tenant.users.find((u) => u.email === email)?.user_id ?? '';
  aliceId = idOf(ALICE.username);
  bobId = idOf(BOB.username);
});
afterAll(() => tenant?.close());

const u = (id: string) => `/users/${encodeURIComponent(id)}`;
const ROLE = 'rol_AAAAAAAAAAAAAAAA';
const PERMS = {
  permissions: [{ resource_server_identifier: 'https://catalog.example.test', permission_name: 'read:catalog' }],
};

/** One endpoint per family and method, with the scopes Auth0's 403 lists. */
const ENDPOINTS: { method: string; path: string; body?: unknown; scopes: string }[] = [
  { method: 'GET', path: '/users', scopes: 'read:users' },
  { method: 'POST', path: '/users', body: {}, scopes: 'create:users' },
  { method: 'GET', path: u('auth0|x'), scopes: 'read:users,read:current_user' },
  {
    method: 'PATCH',
    path: u('auth0|x'),
    body: {},
    scopes: 'update:users,update:users_app_metadata,update:current_user_metadata',
  },
  { method: 'DELETE', path: u('auth0|x'), scopes: 'delete:users' },
  { method: 'GET', path: '/users-by-email?email=a%40b.c', scopes: 'read:users' },
  { method: 'GET', path: `${u('auth0|x')}/roles`, scopes: 'read:users' },
  {
    method: 'POST',
    path: `${u('auth0|x')}/roles`,
    body: { roles: [ROLE] },
    scopes: 'update:users,create:role_members',
  },
  {
    method: 'DELETE',
    path: `${u('auth0|x')}/roles`,
    body: { roles: [ROLE] },
    scopes: 'update:users,delete:role_members',
  },
  { method: 'GET', path: `${u('auth0|x')}/permissions`, scopes: 'read:users' },
  { method: 'POST', path: `${u('auth0|x')}/permissions`, body: PERMS, scopes: 'update:users' },
  { method: 'DELETE', path: `${u('auth0|x')}/permissions`, body: PERMS, scopes: 'update:users' },
  { method: 'GET', path: '/roles', scopes: 'read:roles' },
  { method: 'POST', path: '/roles', body: { name: 'x' }, scopes: 'create:roles' },
  { method: 'GET', path: `/roles/${ROLE}`, scopes: 'read:roles' },
  { method: 'PATCH', path: `/roles/${ROLE}`, body: {}, scopes: 'update:roles' },
  { method: 'DELETE', path: `/roles/${ROLE}`, scopes: 'delete:roles' },
  { method: 'GET', path: `/roles/${ROLE}/permissions`, scopes: 'read:roles' },
  { method: 'POST', path: `/roles/${ROLE}/permissions`, body: PERMS, scopes: 'update:roles' },
  { method: 'DELETE', path: `/roles/${ROLE}/permissions`, body: PERMS, scopes: 'update:roles' },
  { method: 'GET', path: `/roles/${ROLE}/users`, scopes: 'read:role_members,read:users' },
  {
    method: 'POST',
    path: `/roles/${ROLE}/users`,
    body: { users: ['auth0|x'] },
    scopes: 'update:roles,create:role_members',
  },
];

describe('401 and 403 on every user and role endpoint', () => {
  it('no token → 401, a token that is not the tenant JWT → 401', async () => {
    for (const endpoint of ENDPOINTS) {
      const none = await api(issuer, endpoint.method, endpoint.path, { body: endpoint.body });
      expect(none.status, `${endpoint.method} ${endpoint.path}`).toBe(401);
      const bad = await api(issuer, endpoint.method, endpoint.path, { token: 'not-a-jwt', body: endpoint.body });
      expect(bad.status, `${endpoint.method} ${endpoint.path}`).toBe(401);
    }
  });

  it('a Management API token without the scope → 403 insufficient_scope, listing the accepted scopes', async () => {
    const token = await managementToken(issuer, READER);
    for (const endpoint of ENDPOINTS) {
      const reply = await api(issuer, endpoint.method, endpoint.path, { token, body: endpoint.body });
      expect(reply.status, `${endpoint.method} ${endpoint.path}`).toBe(403);
      expect(reply.json).toEqual(
        errorBody(403, `Insufficient scope, expected any of: ${endpoint.scopes}`, 'insufficient_scope'),
      );
    }
  });
});

describe('self-service: a user token for the Management API', () => {
  let token: string;
  beforeAll(async () => {
    token = await userAccessToken(
      issuer,
      ALICE,
      managementApiIdentifier(issuer),
      'openid read:current_user update:current_user_metadata',
    );
  });

  it('carries only the self-service scopes, with alice as sub', () => {
    const claims = claimsOf(token);
    expect(claims.sub).toBe(aliceId);
    expect(String(claims.scope).split(' ')).toEqual(
      expect.arrayContaining(['read:current_user', 'update:current_user_metadata']),
    );
    expect(String(claims.scope)).not.toContain('read:users');
  });

  it('reads and updates (user_metadata only) its own user', async () => {
    const self = bind(issuer, token);
    const read = await self('GET', u(aliceId));
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ user_id: aliceId, email: ALICE.username });
    expect(JSON.stringify(read.json)).not.toMatch(/\$argon2id\$|scrypt\$/);
    const patched = await self('PATCH', u(aliceId), { body: { user_metadata: { lang: 'fr' } } });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ user_metadata: { lang: 'fr' } });
  });

  it('403 on its own app_metadata, name or password, and on anything of another user', async () => {
    const self = bind(issuer, token);
    for (const body of [{ app_metadata: { admin: true } }, { name: 'Mallory' }, { password: 'takeover password 1' }]) {
      const reply = await self('PATCH', u(aliceId), { body });
      expect(reply.status, JSON.stringify(body)).toBe(403);
    }
    const other = await self('GET', u(bobId));
    expect(other.json).toEqual(
      errorBody(403, 'You cannot read another user with a self-service token.', 'insufficient_scope'),
    );
    const otherMissing = await self('GET', u('auth0|does-not-exist'));
    expect(otherMissing.status).toBe(403);
    const otherPatch = await self('PATCH', u(bobId), { body: { user_metadata: { x: 1 } } });
    expect(otherPatch.json).toEqual(
      errorBody(403, 'You cannot update another user with a self-service token.', 'insufficient_scope'),
    );
    expect((await self('GET', '/users')).status).toBe(403);
    expect((await self('GET', `${u(aliceId)}/permissions`)).status).toBe(403);
    const bob = await admin('GET', u(bobId));
    expect(bob.json).not.toHaveProperty('user_metadata.x');
    const alice = await admin('GET', u(aliceId));
    expect(alice.json).toMatchObject({ name: 'Alice Customer', app_metadata: {} });
  });

  it('an M2M token holding only the self-service scopes acts for no user: 403 on any user id', async () => {
    const reply = await clientCredentials(
      issuer,
      ADMIN,
      managementApiIdentifier(issuer),
      'read:current_user update:current_user_metadata',
    );
    const m2m = bind(issuer, (reply.json as { access_token: string }).access_token);
    expect((await m2m('GET', u(aliceId))).status).toBe(403);
    expect((await m2m('PATCH', u(aliceId), { body: { user_metadata: { x: 1 } } })).status).toBe(403);
  });
});
