import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import type { Entity, EntityStore, Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import type { UserRecord } from '../../src/tenant/records.ts';
import { ADMIN, bind, managementToken, startManagementTenant } from './support.ts';

/*
 * `GET /api/v2/users` reads only the page it answers from storage: a page of 10 among 2,000 users reads 10
 * user documents, not 2,000 (the list used to read every user, then cut the page in memory). The answers
 * must stay those of the in-memory version: same order (creation order), same totals, same checkpoints.
 * `q=email:"…"` reads the users of that address through the storage's e-mail index.
 */

const GENERATED = 2_000;

let tenant: Tenant;
let storage: Storage;
let call: ReturnType<typeof bind>;
const reads = { userDocs: 0 };
/** Every user id in storage order, as the old in-memory list returned them. */
let allIds: string[];

/** Counts the user documents each entity read returns (the storage itself is the real SQLite store). */
function countUserReads(entities: EntityStore): void {
  const count = (found: Entity<unknown> | undefined, kind: string) => {
    if (found !== undefined && kind === 'user') reads.userDocs += 1;
  };
  const { list, get, getByKey, findUsersByUsername, findUsersByEmail } = entities;
  entities.list = async (kind, options) => {
    const page = await list.call(entities, kind, options);
    if (kind === 'user') reads.userDocs += page.items.length;
    return page as never;
  };
  entities.get = async (kind, id) => {
    const found = await get.call(entities, kind, id);
    count(found, kind);
    return found as never;
  };
  entities.getByKey = async (kind, key) => {
    const found = await getByKey.call(entities, kind, key);
    count(found, kind);
    return found as never;
  };
  entities.findUsersByUsername = async (username) => {
    const found = await findUsersByUsername.call(entities, username);
    reads.userDocs += found.length;
    return found as never;
  };
  entities.findUsersByEmail = async (email) => {
    const found = await findUsersByEmail.call(entities, email);
    reads.userDocs += found.length;
    return found as never;
  };
}

function generatedUser(template: UserRecord, i: number): UserRecord {
  const email = `generated-${String(i).padStart(5, '0')}@example.test`;
  return { ...template, user_id: `auth0|generated${i}`, email, name: email, nickname: `generated${i}` };
}

beforeAll(async () => {
  storage = openSqliteStorage({ path: ':memory:', sweepIntervalMs: 0 });
  countUserReads(storage.entities);
  tenant = await startManagementTenant({ storage });
  const seeded = await storage.entities.list<UserRecord>('user');
  const template = seeded.items[0]?.doc;
  if (template === undefined) throw new Error('the fixture tenant has no user');
  const users = Array.from({ length: GENERATED }, (_, i) => generatedUser(template, i));
  await storage.entities.apply(
    users.map((u) => ({ op: 'put', kind: 'user', id: u.user_id, key: u.email.toLowerCase(), doc: u })),
  );
  allIds = (await storage.entities.list<UserRecord>('user')).items.map((e) => e.doc.user_id);
  call = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
}, 60_000);
afterAll(() => tenant?.close());

/** The reply to `GET /users<search>` and the user documents storage read to answer it. */
async function listUsers(search: string): Promise<{ status: number; json: unknown; docsRead: number }> {
  reads.userDocs = 0;
  const reply = await call('GET', `/users${search}`);
  return { status: reply.status, json: reply.json, docsRead: reads.userDocs };
}

type Listed = { user_id: string; email?: string };

describe('GET /users reads the page, not every user', () => {
  it('a page of 10 among 2,000 users reads 10 user documents, with the in-memory answer', async () => {
    expect(allIds.length).toBeGreaterThan(GENERATED);
    const reply = await listUsers('?page=7&per_page=10&include_totals=true');
    expect(reply.status).toBe(200);
    const body = reply.json as { start: number; limit: number; length: number; total: number; users: Listed[] };
    expect(Object.keys(body)).toEqual(['start', 'limit', 'length', 'total', 'users']);
    expect(body).toMatchObject({ start: 70, limit: 10, length: 10, total: allIds.length });
    expect(body.users.map((u) => u.user_id)).toEqual(allIds.slice(70, 80));
    expect(reply.docsRead).toBe(10);
  });

  it('a bare array without include_totals; fields projects; a page past the end is empty', async () => {
    const bare = await listUsers('?page=1&per_page=3&fields=user_id,email');
    expect(bare.json).toEqual(
      allIds.slice(3, 6).map((id) => ({ email: expect.stringContaining('@'), user_id: id }) as Listed),
    );
    expect(bare.docsRead).toBe(3);
    const past = await listUsers(`?page=${allIds.length}&per_page=100&include_totals=true`);
    expect(past.json).toEqual({ start: allIds.length * 100, limit: 100, length: 0, total: allIds.length, users: [] });
    expect(past.docsRead).toBe(0);
  });

  it('the default page is the first 50; a checkpoint (from/take) reads only its page too', async () => {
    const first = await listUsers('');
    expect((first.json as Listed[]).map((u) => u.user_id)).toEqual(allIds.slice(0, 50));
    expect(first.docsRead).toBe(50);
    const from = Buffer.from(String(allIds.length - 5)).toString('base64url');
    const last = await listUsers(`?from=${from}&take=10`);
    expect((last.json as { users: Listed[] }).users.map((u) => u.user_id)).toEqual(allIds.slice(-5));
    expect(last.docsRead).toBe(5);
    const middle = await listUsers(`?from=${Buffer.from('10').toString('base64url')}&take=10`);
    expect((middle.json as { users: Listed[] }).users.map((u) => u.user_id)).toEqual(allIds.slice(10, 20));
    expect(middle.docsRead).toBe(10);
  });

  it('q=email finds the database user and a social user sharing the address, reading only them', async () => {
    const database = (await storage.entities.get<UserRecord>('user', 'auth0|generated42'))?.doc;
    if (database === undefined) throw new Error('no generated user 42');
    // A social user is keyed by its user_id: the e-mail key cannot find it, the e-mail index does.
    const social: UserRecord = {
      ...database,
      user_id: 'google-oauth2|4242',
      provider: 'google-oauth2',
      connection: 'google-oauth2',
      password_hash: '',
    };
    await storage.entities.apply([{ op: 'put', kind: 'user', id: social.user_id, key: social.user_id, doc: social }]);
    try {
      const q = encodeURIComponent(`email:"${database.email.toUpperCase()}"`);
      const reply = await listUsers(`?q=${q}&include_totals=true&fields=user_id`);
      expect(reply.json).toEqual({
        start: 0,
        limit: 50,
        length: 2,
        total: 2,
        users: [{ user_id: 'auth0|generated42' }, { user_id: 'google-oauth2|4242' }],
      });
      expect(reply.docsRead).toBe(2);
    } finally {
      await storage.entities.apply([{ op: 'delete', kind: 'user', id: social.user_id }]);
    }
  });

  it('users-by-email answers every user with the address (database and social), reading only them', async () => {
    const database = (await storage.entities.get<UserRecord>('user', 'auth0|generated7'))?.doc;
    if (database === undefined) throw new Error('no generated user 7');
    const social: UserRecord = {
      ...database,
      user_id: 'github|77',
      provider: 'github',
      connection: 'github',
      password_hash: '',
    };
    await storage.entities.apply([{ op: 'put', kind: 'user', id: social.user_id, key: social.user_id, doc: social }]);
    try {
      reads.userDocs = 0;
      const reply = await call('GET', `/users-by-email?email=${encodeURIComponent(database.email)}&fields=user_id`);
      expect(reply.json).toEqual([{ user_id: 'auth0|generated7' }, { user_id: 'github|77' }]);
      expect(reads.userDocs).toBe(2);
    } finally {
      await storage.entities.apply([{ op: 'delete', kind: 'user', id: social.user_id }]);
    }
  });

  it('keeps the validation: a bad per_page is 400 in Auth0 shape, and reads no user', async () => {
    const reply = await listUsers('?per_page=101');
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ statusCode: 400, errorCode: 'invalid_query_string' });
    expect(reply.docsRead).toBe(0);
  });
});
