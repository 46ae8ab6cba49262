import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { ALICE, CATALOG } from '../security/helpers.ts';
import { ADMIN, bind, errorBody, managementToken, type Reply, startManagementTenant } from './support.ts';
import { claimsOf, userAccessToken } from './user-login.ts';

/** `/api/v2/users` and `/api/v2/users-by-email`. */
let tenant: Tenant;
let call: ReturnType<typeof bind>;

beforeAll(async () => {
  tenant = await startManagementTenant();
  call = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
});
afterAll(() => tenant?.close());

const CONNECTION = 'Username-Password-Authentication';
const NOT_FOUND = errorBody(404, 'The user does not exist.', 'inexistent_user');

type User = Record<string, unknown> & { user_id: string; email: string };

function expectNoSecret(reply: Reply): void {
  const text = JSON.stringify(reply.json);
  expect(text).not.toContain('password');
  expect(text).not.toMatch(/\$argon2id\$|scrypt\$/);
}

async function createUser(email: string, extra: Record<string, unknown> = {}): Promise<User> {
  const reply = await call('POST', '/users', {
    body: { connection: CONNECTION, email, password: 'a long enough password', ...extra },
  });
  expect(reply.status, JSON.stringify(reply.json)).toBe(201);
  expectNoSecret(reply);
  return reply.json as User;
}

const path = (userId: string) => `/users/${encodeURIComponent(userId)}`;

describe('POST /users', () => {
  it('201 with the Auth0 user shape: identities, timestamps, defaults, no password hash', async () => {
    const user = await createUser('Chuck@Example.test', { user_metadata: { theme: 'dark' } });
    expect(user).toEqual({
      created_at: expect.any(String),
      updated_at: expect.any(String),
      email: 'chuck@example.test',
      email_verified: false,
      identities: [
        {
          connection: CONNECTION,
          user_id: expect.stringMatching(/^[0-9a-f]{24}$/),
          provider: 'auth0',
          isSocial: false,
        },
      ],
      name: 'chuck@example.test',
      nickname: 'chuck',
      picture: expect.stringMatching(/^https:\/\/s\.gravatar\.com\/avatar\//),
      user_id: expect.stringMatching(/^auth0\|[0-9a-f]{24}$/),
      user_metadata: { theme: 'dark' },
      app_metadata: {},
    });
    expect(user.user_id).toBe(`auth0|${(user.identities as { user_id: string }[])[0]?.user_id}`);
  });

  it('keeps given fields, including a chosen auth0| user_id, and the user can log in', async () => {
    const user = await createUser('dora@example.test', {
      user_id: 'auth0|dora0001',
      name: 'Dora',
      given_name: 'Dora',
      family_name: 'Explorer',
      email_verified: true,
      app_metadata: { plan: 'gold' },
    });
    expect(user).toMatchObject({
      user_id: 'auth0|dora0001',
      name: 'Dora',
      given_name: 'Dora',
      family_name: 'Explorer',
    });
    const token = await userAccessToken(
      tenant.issuer,
      { username: 'dora@example.test', password: 'a long enough password' },
      CATALOG,
    );
    expect(claimsOf(token).sub).toBe('auth0|dora0001');
  });

  it('409 for an e-mail already used (case-insensitively)', async () => {
    await createUser('eve@example.test');
    const reply = await call('POST', '/users', {
      body: { connection: CONNECTION, email: 'EVE@example.test', password: 'another password 1' },
    });
    expect(reply.status).toBe(409);
    expect(reply.json).toEqual(errorBody(409, 'The user already exists.', 'conflict'));
  });

  it('400 naming the field: unknown field, missing connection, wrong connection, short password', async () => {
    const base = { connection: CONNECTION, email: 'frank@example.test', password: 'long enough pw' };
    const unknown = await call('POST', '/users', { body: { ...base, roles: ['x'] } });
    expect(unknown.status).toBe(400);
    expect(unknown.json).toEqual(errorBody(400, /Additional properties not allowed: roles/, 'invalid_body'));

    const { connection: _c, ...noConnection } = base;
    const missing = await call('POST', '/users', { body: noConnection });
    expect(missing.json).toEqual(
      errorBody(400, "Payload validation error: 'Missing required property: connection'.", 'invalid_body'),
    );

    const other = await call('POST', '/users', { body: { ...base, connection: 'google-oauth2' } });
    expect(other.status).toBe(400);
    expect(other.json).toEqual(errorBody(400, 'The connection does not exist.', 'inexistent_connection'));

    const short = await call('POST', '/users', { body: { ...base, password: 'short' } });
    expect(short.status).toBe(400);
    expect(short.json).toEqual(errorBody(400, /password must be 8 to 1024 characters/, 'invalid_body'));
    expect(JSON.stringify(short.json)).not.toContain('short"');

    const badId = await call('POST', '/users', { body: { ...base, user_id: 'google|1' } });
    expect(badId.json).toEqual(
      errorBody(400, /user_id .* must look like auth0\|<id>.*on property user_id/, 'invalid_body'),
    );
  });
});

describe('GET/PATCH/DELETE /users/{id}', () => {
  it('GET with an URL-encoded id; 404 in Auth0 shape for an unknown id', async () => {
    const user = await createUser('gina@example.test');
    const reply = await call('GET', path(user.user_id));
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual(user);
    expect(user.user_id).toContain('|');
    expect(path(user.user_id)).toContain('%7C');
    const missing = await call('GET', path('auth0|000000000000000000000000'));
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual(NOT_FOUND);
  });

  it('PATCH replaces profile fields, merges metadata (null removes a key), changes the password', async () => {
    const user = await createUser('hank@example.test', { user_metadata: { a: 1, b: 2 }, email_verified: true });
    const reply = await call('PATCH', path(user.user_id), {
      body: { name: 'Hank', user_metadata: { b: null, c: 3 }, password: 'a brand new password' },
    });
    expect(reply.status).toBe(200);
    expectNoSecret(reply);
    expect(reply.json).toMatchObject({ name: 'Hank', user_metadata: { a: 1, c: 3 }, email_verified: true });
    expect((reply.json as User).user_metadata).not.toHaveProperty('b');
    const token = await userAccessToken(
      tenant.issuer,
      { username: 'hank@example.test', password: 'a brand new password' },
      CATALOG,
    );
    expect(claimsOf(token).sub).toBe(user.user_id);
  });

  it('PATCH: a new e-mail is unverified; an e-mail taken by another user is 409; unknown fields 400', async () => {
    const user = await createUser('ivan@example.test', { email_verified: true });
    const moved = await call('PATCH', path(user.user_id), { body: { email: 'Ivan2@example.test' } });
    expect(moved.json).toMatchObject({ email: 'ivan2@example.test', email_verified: false });
    const clash = await call('PATCH', path(user.user_id), { body: { email: ALICE.username } });
    expect(clash.status).toBe(409);
    const unknown = await call('PATCH', path(user.user_id), { body: { favourite_color: 'red' } });
    expect(unknown.json).toEqual(errorBody(400, /Additional properties not allowed: favourite_color/, 'invalid_body'));
    const sameId = await call('PATCH', path(user.user_id), { body: { user_id: user.user_id, name: 'Ivan' } });
    expect(sameId.json).toMatchObject({ user_id: user.user_id, name: 'Ivan' });
    const newId = await call('PATCH', path(user.user_id), { body: { user_id: 'auth0|other' } });
    expect(newId.json).toEqual(errorBody(400, /user_id cannot be changed/, 'invalid_body'));
    const missing = await call('PATCH', path('auth0|nobody'), { body: { name: 'x' } });
    expect(missing.json).toEqual(NOT_FOUND);
  });

  it('PATCH blocked: true shows blocked and stops logins', async () => {
    const user = await createUser('jill@example.test');
    const reply = await call('PATCH', path(user.user_id), { body: { blocked: true } });
    expect(reply.json).toMatchObject({ blocked: true });
    await expect(
      userAccessToken(tenant.issuer, { username: 'jill@example.test', password: 'a long enough password' }, CATALOG),
    ).rejects.toThrow();
  });

  it('DELETE → 204, then 404', async () => {
    const user = await createUser('kate@example.test');
    const deleted = await call('DELETE', path(user.user_id));
    expect(deleted.status).toBe(204);
    expect((await call('GET', path(user.user_id))).json).toEqual(NOT_FOUND);
    expect((await call('DELETE', path(user.user_id))).status).toBe(404);
  });
});

describe('GET /users, /users-by-email', () => {
  it('pages with page/per_page/include_totals → {start,limit,length,total,users}, across several pages', async () => {
    const all = (await call('GET', '/users?per_page=100')).json as User[];
    expect(all.length).toBeGreaterThan(3);
    const seen: string[] = [];
    for (let page = 0; page * 2 < all.length; page++) {
      const reply = await call('GET', `/users?page=${page}&per_page=2&include_totals=true`);
      const body = reply.json as { start: number; limit: number; length: number; total: number; users: User[] };
      expect(Object.keys(body)).toEqual(['start', 'limit', 'length', 'total', 'users']);
      expect(body).toMatchObject({ start: page * 2, limit: 2, total: all.length, length: body.users.length });
      seen.push(...body.users.map((u) => u.user_id));
      expectNoSecret(reply);
    }
    expect(seen).toEqual(all.map((u) => u.user_id));
  });

  it('q=email:"…" finds one user; other q syntax is 400', async () => {
    const found = await call('GET', `/users?q=${encodeURIComponent('email:"ALICE@example.test"')}`);
    expect((found.json as User[]).map((u) => u.email)).toEqual([ALICE.username]);
    const lucene = await call('GET', `/users?q=${encodeURIComponent('name:alice*')}`);
    expect(lucene.status).toBe(400);
    expect((lucene.json as { errorCode: string }).errorCode).toBe('invalid_query_string');
  });

  it('users-by-email → array (empty when none), matched exactly as Auth0 does; fields projects', async () => {
    const found = await call('GET', `/users-by-email?email=${encodeURIComponent(ALICE.username)}`);
    expect(found.status).toBe(200);
    expect(found.json).toEqual([expect.objectContaining({ email: ALICE.username, name: 'Alice Customer' })]);
    expectNoSecret(found);
    // Auth0 stores database users' addresses lower-cased and asks callers to search "using the correct case".
    const otherCase = await call('GET', `/users-by-email?email=${encodeURIComponent('Alice@Example.test')}`);
    expect(otherCase.json).toEqual([]);
    const none = await call('GET', '/users-by-email?email=nobody%40example.test');
    expect(none.json).toEqual([]);
    const projected = await call('GET', '/users-by-email?email=alice%40example.test&fields=user_id,email');
    expect(Object.keys((projected.json as User[])[0] ?? {})).toEqual(['email', 'user_id']);
    expect((await call('GET', '/users-by-email')).status).toBe(400);
  });
});
