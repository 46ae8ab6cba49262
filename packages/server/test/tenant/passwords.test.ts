import { argon2Sync, randomBytes, scryptSync } from 'node:crypto';
import { loginForCode } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import { upgradePasswordHash } from '../../src/tenant/password-upgrade.ts';
import { checkPassword, hashPassword, verifyPassword } from '../../src/tenant/passwords.ts';
import type { UserRecord } from '../../src/tenant/records.ts';
import { ADMIN, api, managementToken, startManagementTenant } from '../management/support.ts';

/**
 * Password storage: argon2id with OWASP's parameters in the standard PHC format, hashes of the previous
 * format (scrypt) still accepted and upgraded to argon2id on the next successful login, never on a failed one.
 */

const PHC_ARGON2ID = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** A hash in the format the previous version stored: `scrypt$N$r$p$salt$hash`, base64url, N = 2^15, r = 8. */
function legacyScryptHash(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password.normalize('NFC'), salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${2 ** 15}$8$1$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

describe('hashPassword / checkPassword', () => {
  it('writes an argon2id PHC string that a plain argon2id computation reproduces', async () => {
    const stored = await hashPassword('correct horse battery staple');
    const [, salt, hash] = PHC_ARGON2ID.exec(stored) ?? [];
    expect(salt, stored).toBeDefined();
    // Recomputed from the string alone (no code of ours): the format is the standard one, not a look-alike.
    const recomputed = argon2Sync('argon2id', {
      message: 'correct horse battery staple',
      nonce: Buffer.from(salt ?? '', 'base64'),
      memory: 19_456,
      passes: 2,
      parallelism: 1,
      tagLength: Buffer.from(hash ?? '', 'base64').length,
    });
    expect(recomputed.toString('base64').replace(/=+$/, '')).toBe(hash);
    expect(Buffer.from(salt ?? '', 'base64')).toHaveLength(16);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same password')).not.toBe(await hashPassword('same password'));
  });

  it('accepts the right password and refuses others; a current hash needs no upgrade', async () => {
    const stored = await hashPassword('pässwörd');
    expect(await checkPassword('pässwörd', stored)).toEqual({ matches: true, needsUpgrade: false });
    // NFC and NFD spellings of the same text are the same password.
    expect((await checkPassword('pässwörd'.normalize('NFD'), stored)).matches).toBe(true);
    expect(await checkPassword('passwörd', stored)).toEqual({ matches: false, needsUpgrade: false });
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('still verifies the previous scrypt format, and says it needs an upgrade', async () => {
    const legacy = legacyScryptHash('old but good');
    expect(await checkPassword('old but good', legacy)).toEqual({ matches: true, needsUpgrade: true });
    expect((await checkPassword('old but bad', legacy)).matches).toBe(false);
  });

  it('asks for an upgrade of argon2id hashes made with weaker parameters', async () => {
    const salt = randomBytes(16);
    const params = { message: 'weak params', nonce: salt, memory: 4096, passes: 1, parallelism: 1, tagLength: 32 };
    const weak = `$argon2id$v=19$m=4096,t=1,p=1$${salt.toString('base64').replace(/=+$/, '')}$${argon2Sync('argon2id', params).toString('base64').replace(/=+$/, '')}`;
    expect(await checkPassword('weak params', weak)).toEqual({ matches: true, needsUpgrade: true });
  });

  it('never matches for an unknown user or an over-long password', async () => {
    expect((await checkPassword('anything', undefined)).matches).toBe(false);
    const long = 'x'.repeat(1025);
    expect(await verifyPassword(long, await hashPassword(long))).toBe(false);
  });

  it('refuses to read an unknown format or absurd parameters', async () => {
    const unreadable = { code: 'ERR_PASSWORD_HASH_UNREADABLE' };
    await expect(checkPassword('x', 'plaintext')).rejects.toMatchObject(unreadable);
    const huge = `$argon2id$v=19$m=99999999,t=2,p=1$${'A'.repeat(22)}$${'A'.repeat(43)}`;
    await expect(checkPassword('x', huge)).rejects.toMatchObject(unreadable);
    const hugeScrypt = `scrypt$${2 ** 24}$8$1$${'A'.repeat(22)}$${'A'.repeat(43)}`;
    await expect(checkPassword('x', hugeScrypt)).rejects.toMatchObject(unreadable);
  });
});

describe('upgradePasswordHash', () => {
  it('replaces only the hash that was verified: a hash changed meanwhile (a new password) wins', async () => {
    const storage = openSqliteStorage({ path: ':memory:' });
    try {
      const legacy = legacyScryptHash('old password');
      const doc = { user_id: 'auth0|u1', email: 'u1@example.test', password_hash: legacy } as UserRecord;
      await storage.entities.apply([{ op: 'put', kind: 'user', id: 'auth0|u1', key: 'u1@example.test', doc }]);

      const changedMeanwhile = legacyScryptHash('another password');
      expect(await upgradePasswordHash(storage.entities, 'auth0|u1', changedMeanwhile, 'another password')).toBe(false);
      expect((await storage.entities.get<UserRecord>('user', 'auth0|u1'))?.doc.password_hash).toBe(legacy);

      expect(await upgradePasswordHash(storage.entities, 'auth0|u1', legacy, 'old password')).toBe(true);
      const upgraded = (await storage.entities.get<UserRecord>('user', 'auth0|u1'))?.doc;
      expect(upgraded?.password_hash).toMatch(PHC_ARGON2ID);
      expect(await verifyPassword('old password', upgraded?.password_hash)).toBe(true);
      expect({ ...upgraded, password_hash: legacy }).toEqual(doc);

      expect(await upgradePasswordHash(storage.entities, 'auth0|nobody', legacy, 'old password')).toBe(false);
    } finally {
      await storage.close();
    }
  });
});

describe('in a running tenant', () => {
  let tenant: Tenant;
  let storage: Storage;
  const ALICE = { email: 'alice@example.test', password: 'correct horse battery staple' };

  beforeAll(async () => {
    storage = openSqliteStorage({ path: ':memory:' });
    tenant = await startManagementTenant({ storage });
  });
  afterAll(async () => {
    await tenant?.close();
    await storage?.close();
  });

  const storedHash = async (email: string) => {
    const user = await storage.entities.getByKey<UserRecord>('user', email);
    if (!user) throw new Error(`no user ${email}`);
    return user;
  };

  const login = (password: string) =>
    loginForCode({
      issuer: tenant.issuer,
      clientId: 'spa-client-0001',
      redirectUri: 'http://localhost:5173/callback',
      username: ALICE.email,
      password,
    });

  it('seeds tenant.yaml users with argon2id hashes', async () => {
    expect((await storedHash(ALICE.email)).doc.password_hash).toMatch(PHC_ARGON2ID);
  });

  it('hashes passwords set through the Management API with argon2id', async () => {
    const token = await managementToken(tenant.issuer, ADMIN);
    const created = await api(tenant.issuer, 'POST', '/users', {
      token,
      body: { connection: 'Username-Password-Authentication', email: 'carol@example.test', password: 'carol pw 123' },
    });
    expect(created.status).toBe(201);
    const first = (await storedHash('carol@example.test')).doc.password_hash;
    expect(first).toMatch(PHC_ARGON2ID);
    expect(await verifyPassword('carol pw 123', first)).toBe(true);

    const userId = (created.json as { user_id: string }).user_id;
    const changed = await api(tenant.issuer, 'PATCH', `/users/${encodeURIComponent(userId)}`, {
      token,
      body: { password: 'carol new pw 456' },
    });
    expect(changed.status).toBe(200);
    const second = (await storedHash('carol@example.test')).doc.password_hash;
    expect(second).toMatch(PHC_ARGON2ID);
    expect(await verifyPassword('carol new pw 456', second)).toBe(true);
  });

  it('a user with a scrypt hash logs in, and the stored hash becomes argon2id; a wrong password changes nothing', async () => {
    const user = await storedHash(ALICE.email);
    const legacy = legacyScryptHash(ALICE.password);
    await storage.entities.apply([
      { op: 'put', kind: 'user', id: user.id, key: user.key, doc: { ...user.doc, password_hash: legacy } },
    ]);

    await expect(login('not the password')).rejects.toThrow(/status 400/);
    expect((await storedHash(ALICE.email)).doc.password_hash).toBe(legacy);

    const { code } = await login(ALICE.password);
    expect(code).not.toBe('');
    const upgraded = await storedHash(ALICE.email);
    expect(upgraded.doc.password_hash).toMatch(PHC_ARGON2ID);
    expect(await checkPassword(ALICE.password, upgraded.doc.password_hash)).toEqual({
      matches: true,
      needsUpgrade: false,
    });
    // The upgrade touched the hash only (besides the login statistics every successful login records).
    const { logins_count, last_login, last_ip, ...rest } = upgraded.doc as typeof upgraded.doc &
      Record<string, unknown>;
    expect({ logins_count, last_ip }).toEqual({ logins_count: 1, last_ip: '127.0.0.1' });
    expect(typeof last_login).toBe('string');
    expect({ ...rest, password_hash: legacy }).toEqual({ ...user.doc, password_hash: legacy });

    // The next login verifies against the new hash and leaves it as it is.
    await login(ALICE.password);
    expect((await storedHash(ALICE.email)).doc.password_hash).toBe(upgraded.doc.password_hash);
  });
});
