import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EntityKind, Storage } from '../../src/storage/contract.ts';

/** Opens a fresh, empty storage that reads time from `now` (epoch ms). */
export type OpenStorage = (opts: { now: () => number }) => Promise<Storage> | Storage;

const HOUR = 3_600_000;

/**
 * The storage contract suite: every backend runs it unchanged. It only uses the `Storage` interface and the
 * injected clock (expiry is tested by moving the clock, never by sleeping). `open` must return an empty store
 * each time it is called; the suite closes what it opens.
 */
export function describeStorageContract(name: string, open: OpenStorage): void {
  describe(`storage contract: ${name}`, () => {
    let clock = 0;
    let storage: Storage;
    const now = () => clock;
    const advance = (ms: number) => {
      clock += ms;
    };

    beforeEach(async () => {
      clock = Date.UTC(2030, 0, 1);
      storage = await open({ now });
    });

    afterEach(async () => {
      await storage.close();
    });

    describe('models', () => {
      const payload = {
        jti: 'code-1',
        kind: 'AuthorizationCode',
        grantId: 'grant-1',
        accountId: 'auth0|ü-123',
        scope: 'openid profile',
        claims: { id_token: { email: null } },
        resource: ['https://api.example/', 'https://other.example/'],
        exp: 1_900_000_000,
        pkce: true,
      };

      it('round-trips a payload', async () => {
        const codes = storage.model('AuthorizationCode');
        await codes.upsert('code-1', payload, 60);
        expect(await codes.find('code-1')).toStrictEqual(payload);
      });

      it('returns undefined for an absent id', async () => {
        expect(await storage.model('AuthorizationCode').find('nope')).toBeUndefined();
      });

      it('returns the same store object for the same model name', () => {
        expect(storage.model('Session')).toBe(storage.model('Session'));
      });

      it('keeps models apart: the same id in two models is two records', async () => {
        await storage.model('AccessToken').upsert('x', { a: 1 }, undefined);
        await storage.model('RefreshToken').upsert('x', { r: 2 }, undefined);
        expect(await storage.model('AccessToken').find('x')).toStrictEqual({ a: 1 });
        expect(await storage.model('RefreshToken').find('x')).toStrictEqual({ r: 2 });
      });

      it('replaces the payload and the expiry on upsert', async () => {
        const sessions = storage.model('Session');
        await sessions.upsert('s1', { uid: 'u1', accountId: 'a', extra: true }, 10);
        await sessions.upsert('s1', { uid: 'u2', accountId: 'b' }, undefined);
        expect(await sessions.find('s1')).toStrictEqual({ uid: 'u2', accountId: 'b' });
        expect(await sessions.findByUid('u1')).toBeUndefined();
        advance(HOUR);
        expect(await sessions.find('s1')).toStrictEqual({ uid: 'u2', accountId: 'b' });
      });

      it('hides a record once it expires', async () => {
        const tokens = storage.model('AccessToken');
        await tokens.upsert('t1', { jti: 't1' }, 60);
        await tokens.upsert('forever', { jti: 'forever' }, undefined);
        advance(59_000);
        expect(await tokens.find('t1')).toStrictEqual({ jti: 't1' });
        advance(2_000);
        expect(await tokens.find('t1')).toBeUndefined();
        expect(await tokens.find('forever')).toStrictEqual({ jti: 'forever' });
      });

      it('finds by uid', async () => {
        const sessions = storage.model('Session');
        await sessions.upsert('s1', { uid: 'uid-1', accountId: 'a' }, 60);
        await sessions.upsert('s2', { uid: 'uid-2', accountId: 'b' }, 60);
        expect(await sessions.findByUid('uid-2')).toStrictEqual({ uid: 'uid-2', accountId: 'b' });
        expect(await sessions.findByUid('uid-3')).toBeUndefined();
        expect(await storage.model('Interaction').findByUid('uid-1')).toBeUndefined();
        advance(61_000);
        expect(await sessions.findByUid('uid-1')).toBeUndefined();
      });

      it('finds by user code', async () => {
        const codes = storage.model('DeviceCode');
        await codes.upsert('d1', { userCode: 'ABCD-EFGH', grantId: 'g' }, 600);
        expect(await codes.findByUserCode('ABCD-EFGH')).toStrictEqual({ userCode: 'ABCD-EFGH', grantId: 'g' });
        expect(await codes.findByUserCode('abcd-efgh')).toBeUndefined();
        advance(601_000);
        expect(await codes.findByUserCode('ABCD-EFGH')).toBeUndefined();
      });

      it('consume marks the payload consumed (epoch seconds) and keeps the rest', async () => {
        const codes = storage.model('AuthorizationCode');
        await codes.upsert('code-1', payload, 60);
        advance(1_500);
        expect(await codes.consume('code-1')).toBe(true);
        expect(await codes.find('code-1')).toStrictEqual({ ...payload, consumed: Math.floor(now() / 1000) });
        expect(await codes.consume('code-1')).toBe(false);
      });

      it('of 100 concurrent consume() calls exactly one wins', async () => {
        const tokens = storage.model('RefreshToken');
        await tokens.upsert('rt', { jti: 'rt', grantId: 'g' }, 3600);
        const results = await Promise.all(Array.from({ length: 100 }, () => tokens.consume('rt')));
        expect(results.filter((won) => won)).toHaveLength(1);
        expect(await tokens.consume('rt')).toBe(false);
      });

      it('consume of an absent or expired record is false and does not revive it', async () => {
        const codes = storage.model('AuthorizationCode');
        expect(await codes.consume('absent')).toBe(false);
        await codes.upsert('old', { jti: 'old' }, 10);
        advance(11_000);
        expect(await codes.consume('old')).toBe(false);
        expect(await codes.find('old')).toBeUndefined();
      });

      it('a payload saved with `consumed` stays consumed', async () => {
        const tokens = storage.model('RefreshToken');
        await tokens.upsert('rt', { jti: 'rt', consumed: Math.floor(now() / 1000) }, 60);
        expect(await tokens.consume('rt')).toBe(false);
      });

      it('destroy removes one record of one model', async () => {
        await storage.model('Session').upsert('s1', { uid: 'u1' }, undefined);
        await storage.model('Session').upsert('s2', { uid: 'u2' }, undefined);
        await storage.model('Grant').upsert('s1', { accountId: 'a' }, undefined);
        await storage.model('Session').destroy('s1');
        await storage.model('Session').destroy('absent');
        expect(await storage.model('Session').find('s1')).toBeUndefined();
        expect(await storage.model('Session').findByUid('u1')).toBeUndefined();
        expect(await storage.model('Session').find('s2')).toStrictEqual({ uid: 'u2' });
        expect(await storage.model('Grant').find('s1')).toStrictEqual({ accountId: 'a' });
      });

      it('revokeByGrantId deletes only that grant in only that model', async () => {
        await storage.model('AccessToken').upsert('at1', { grantId: 'g1' }, 60);
        await storage.model('AccessToken').upsert('at2', { grantId: 'g1' }, undefined);
        await storage.model('AccessToken').upsert('at3', { grantId: 'g2' }, 60);
        await storage.model('RefreshToken').upsert('rt1', { grantId: 'g1' }, 60);
        await storage.model('AccessToken').revokeByGrantId('g1');
        expect(await storage.model('AccessToken').find('at1')).toBeUndefined();
        expect(await storage.model('AccessToken').find('at2')).toBeUndefined();
        expect(await storage.model('AccessToken').find('at3')).toStrictEqual({ grantId: 'g2' });
        expect(await storage.model('RefreshToken').find('rt1')).toStrictEqual({ grantId: 'g1' });
      });

      it('revokeGrant deletes the grant and its records in every model', async () => {
        await storage.model('Grant').upsert('g1', { jti: 'g1', accountId: 'a' }, 3600);
        await storage.model('Grant').upsert('g2', { jti: 'g2', accountId: 'a' }, 3600);
        await storage.model('AccessToken').upsert('at1', { grantId: 'g1' }, 60);
        await storage.model('RefreshToken').upsert('rt1', { grantId: 'g1' }, 60);
        await storage.model('AuthorizationCode').upsert('c1', { grantId: 'g1' }, 60);
        await storage.model('AccessToken').upsert('at2', { grantId: 'g2' }, 60);
        await storage.revokeGrant('g1');
        expect(await storage.model('Grant').find('g1')).toBeUndefined();
        expect(await storage.model('AccessToken').find('at1')).toBeUndefined();
        expect(await storage.model('RefreshToken').find('rt1')).toBeUndefined();
        expect(await storage.model('AuthorizationCode').find('c1')).toBeUndefined();
        expect(await storage.model('Grant').find('g2')).toBeDefined();
        expect(await storage.model('AccessToken').find('at2')).toStrictEqual({ grantId: 'g2' });
      });

      it("revokeAccount deletes the account's records and its grants' records, and nobody else's", async () => {
        await storage.model('Grant').upsert('g1', { jti: 'g1', accountId: 'alice' }, 3600);
        await storage.model('Session').upsert('s1', { uid: 'u1', accountId: 'alice' }, 3600);
        await storage.model('RefreshToken').upsert('rt1', { grantId: 'g1', accountId: 'alice' }, 3600);
        // A record of alice's grant that does not name the account itself still goes with the grant.
        await storage.model('AccessToken').upsert('at1', { grantId: 'g1' }, 60);
        await storage.model('Grant').upsert('g2', { jti: 'g2', accountId: 'bob' }, 3600);
        await storage.model('Session').upsert('s2', { uid: 'u2', accountId: 'bob' }, 3600);
        await storage.model('RefreshToken').upsert('rt2', { grantId: 'g2', accountId: 'bob' }, 3600);

        expect(await storage.revokeAccount('alice')).toBe(4);
        expect(await storage.model('Grant').find('g1')).toBeUndefined();
        expect(await storage.model('Session').find('s1')).toBeUndefined();
        expect(await storage.model('Session').findByUid('u1')).toBeUndefined();
        expect(await storage.model('RefreshToken').find('rt1')).toBeUndefined();
        expect(await storage.model('AccessToken').find('at1')).toBeUndefined();
        expect(await storage.model('Grant').find('g2')).toBeDefined();
        expect(await storage.model('Session').find('s2')).toStrictEqual({ uid: 'u2', accountId: 'bob' });
        expect(await storage.model('RefreshToken').find('rt2')).toBeDefined();
        expect(await storage.revokeAccount('alice')).toBe(0);
      });

      it('revokeAccount follows the account an upsert moved a record to', async () => {
        const sessions = storage.model('Session');
        await sessions.upsert('s', { uid: 'u', accountId: 'alice' }, 3600);
        await sessions.upsert('s', { uid: 'u', accountId: 'bob' }, 3600);
        expect(await storage.revokeAccount('alice')).toBe(0);
        expect(await storage.revokeAccount('bob')).toBe(1);
        expect(await sessions.find('s')).toBeUndefined();
      });

      it('a lookup by a value that cannot be stored (a NUL character) finds nothing and changes nothing', async () => {
        const codes = storage.model('DeviceCode');
        await codes.upsert('d1', { userCode: 'ABCD', grantId: 'g', accountId: 'a' }, 600);
        expect(await codes.find('d1\u0000')).toBeUndefined();
        expect(await codes.findByUserCode('AB\u0000CD')).toBeUndefined();
        expect(await codes.findByUid('\u0000')).toBeUndefined();
        expect(await codes.consume('d1\u0000')).toBe(false);
        await codes.destroy('d1\u0000');
        await codes.revokeByGrantId('g\u0000');
        await storage.revokeGrant('g\u0000');
        expect(await storage.revokeAccount('a\u0000')).toBe(0);
        expect(await codes.find('d1')).toStrictEqual({ userCode: 'ABCD', grantId: 'g', accountId: 'a' });
      });

      it('sweepExpired deletes expired records and returns how many', async () => {
        for (const id of ['a', 'b', 'c']) await storage.model('AccessToken').upsert(id, { id }, 10);
        await storage.model('Session').upsert('s', { uid: 'u' }, 5);
        await storage.model('Session').upsert('later', { uid: 'v' }, 3600);
        await storage.model('Session').upsert('forever', { uid: 'w' }, undefined);
        expect(await storage.sweepExpired()).toBe(0);
        advance(11_000);
        expect(await storage.sweepExpired()).toBe(4);
        expect(await storage.sweepExpired()).toBe(0);
        expect(await storage.model('Session').find('later')).toStrictEqual({ uid: 'v' });
        expect(await storage.model('Session').find('forever')).toStrictEqual({ uid: 'w' });
      });
    });

    describe('entities', () => {
      const put = (kind: EntityKind, id: string, key: string, doc: unknown = { id, key }) =>
        ({ op: 'put', kind, id, key, doc }) as const;

      it('puts and gets by id and by key', async () => {
        const doc = { name: 'SPA', callbacks: ['http://localhost:3000/cb'], nested: { n: 1, b: false } };
        await storage.entities.apply([put('client', 'c1', 'spa', doc)]);
        expect(await storage.entities.get('client', 'c1')).toStrictEqual({ id: 'c1', key: 'spa', doc });
        expect(await storage.entities.getByKey('client', 'spa')).toStrictEqual({ id: 'c1', key: 'spa', doc });
        expect(await storage.entities.get('client', 'c2')).toBeUndefined();
        expect(await storage.entities.getByKey('client', 'SPA')).toBeUndefined();
        expect(await storage.entities.get('role', 'c1')).toBeUndefined();
      });

      it('keeps kinds apart: the same id and key in two kinds', async () => {
        await storage.entities.apply([put('role', 'x', 'admin', { r: 1 }), put('user', 'x', 'admin', { u: 1 })]);
        expect((await storage.entities.getByKey('role', 'admin'))?.doc).toStrictEqual({ r: 1 });
        expect((await storage.entities.getByKey('user', 'admin'))?.doc).toStrictEqual({ u: 1 });
      });

      it('lists in insertion order with total and pagination', async () => {
        const ids = ['u-c', 'u-a', 'u-e', 'u-b', 'u-d'];
        for (const id of ids) await storage.entities.apply([put('user', id, `${id}@example.com`)]);
        await storage.entities.apply([put('role', 'r1', 'admin')]);

        const all = await storage.entities.list('user');
        expect(all.total).toBe(5);
        expect(all.items.map((e) => e.id)).toStrictEqual(ids);
        expect(all.items[0]).toStrictEqual({
          id: 'u-c',
          key: 'u-c@example.com',
          doc: { id: 'u-c', key: 'u-c@example.com' },
        });

        const page = await storage.entities.list('user', { offset: 1, limit: 2 });
        expect(page).toMatchObject({ total: 5 });
        expect(page.items.map((e) => e.id)).toStrictEqual(['u-a', 'u-e']);
        expect((await storage.entities.list('user', { offset: 4, limit: 10 })).items.map((e) => e.id)).toStrictEqual([
          'u-d',
        ]);
        expect(await storage.entities.list('user', { offset: 9 })).toStrictEqual({ items: [], total: 5 });
        expect(await storage.entities.list('user', { limit: 0 })).toStrictEqual({ items: [], total: 5 });
        expect(await storage.entities.list('client')).toStrictEqual({ items: [], total: 0 });
      });

      it('an update keeps the place in the order and can change the key', async () => {
        await storage.entities.apply([put('role', 'r1', 'a'), put('role', 'r2', 'b'), put('role', 'r3', 'c')]);
        await storage.entities.apply([put('role', 'r1', 'a2', { renamed: true })]);
        const { items } = await storage.entities.list('role');
        expect(items.map((e) => e.id)).toStrictEqual(['r1', 'r2', 'r3']);
        expect(items[0]).toStrictEqual({ id: 'r1', key: 'a2', doc: { renamed: true } });
        expect(await storage.entities.getByKey('role', 'a')).toBeUndefined();
        await storage.entities.apply([put('role', 'r4', 'a')]);
        expect((await storage.entities.getByKey('role', 'a'))?.id).toBe('r4');
      });

      it('a key used by another id fails the whole batch with ERR_STORAGE_CONFLICT', async () => {
        await storage.entities.apply([put('user', 'u1', 'ann@example.com'), put('user', 'u2', 'bob@example.com')]);
        const batch = storage.entities.apply([
          put('user', 'u3', 'cid@example.com'),
          { op: 'delete', kind: 'user', id: 'u2' },
          put('user', 'u1', 'ann@example.com', { updated: true }),
          put('user', 'u4', 'ann@example.com'),
        ]);
        await expect(batch).rejects.toMatchObject({ code: 'ERR_STORAGE_CONFLICT' });
        await expect(batch).rejects.toThrow(/user/);
        await expect(batch).rejects.toThrow(/ann@example\.com/);

        expect(await storage.entities.get('user', 'u3')).toBeUndefined();
        expect(await storage.entities.get('user', 'u2')).toBeDefined();
        expect((await storage.entities.get('user', 'u1'))?.doc).toStrictEqual({
          id: 'u1',
          key: 'ann@example.com',
        });
        expect(await storage.entities.get('user', 'u4')).toBeUndefined();
        expect((await storage.entities.list('user')).total).toBe(2);
        // The failed batch left the store usable.
        await storage.entities.apply([put('user', 'u3', 'cid@example.com')]);
        expect((await storage.entities.list('user')).items.map((e) => e.id)).toStrictEqual(['u1', 'u2', 'u3']);
      });

      it('of concurrent batches taking the same key exactly one succeeds', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => storage.entities.apply([put('client', `c${i}`, 'same-name')])),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'ERR_STORAGE_CONFLICT' });
        }
        expect((await storage.entities.list('client')).total).toBe(1);
      });

      it('a key freed earlier in the same batch can be taken later in it', async () => {
        await storage.entities.apply([put('resource_server', 'rs1', 'https://api.example/')]);
        await storage.entities.apply([
          { op: 'delete', kind: 'resource_server', id: 'rs1' },
          put('resource_server', 'rs2', 'https://api.example/'),
        ]);
        expect((await storage.entities.getByKey('resource_server', 'https://api.example/'))?.id).toBe('rs2');
      });

      it('a lookup by an id or key with a NUL character finds nothing', async () => {
        await storage.entities.apply([put('user', 'u1', 'ann@example.com')]);
        expect(await storage.entities.get('user', 'u1\u0000')).toBeUndefined();
        expect(await storage.entities.getByKey('user', 'ann@example.com\u0000x')).toBeUndefined();
        await storage.entities.apply([{ op: 'delete', kind: 'user', id: 'u1\u0000' }]);
        expect(await storage.entities.get('user', 'u1')).toBeDefined();
      });

      it('finds users by username case-insensitively, in insertion order, and only users', async () => {
        const user = (id: string, username?: string, extra: Record<string, unknown> = {}) =>
          put('user', id, `${id}@example.com`, {
            user_id: id,
            ...(username === undefined ? {} : { username }),
            ...extra,
          });
        await storage.entities.apply([
          user('u1', 'Mia.Wong'),
          user('u2'),
          user('u3', 'mia.wong2'),
          // Another kind with the same field is never a user.
          put('role', 'r1', 'mia.wong', { username: 'mia.wong' }),
          user('u4', 'MIA.WONG', { provider: 'google-oauth2' }),
          // The value elsewhere in the document is not a username.
          user('u5', undefined, { nickname: 'mia.wong', user_metadata: { username: 'mia.wong' } }),
        ]);
        const ids = async (username: string) => (await storage.entities.findUsersByUsername(username)).map((e) => e.id);

        expect(await ids('mia.wong')).toStrictEqual(['u1', 'u4']);
        expect(await ids('MIA.WONG')).toStrictEqual(['u1', 'u4']);
        expect(await ids('mIa.WoNg2')).toStrictEqual(['u3']);
        expect(await ids('mia')).toStrictEqual([]);
        expect(await ids('mia.wong%')).toStrictEqual([]);
        expect(await ids('')).toStrictEqual([]);
        expect(await storage.entities.findUsersByUsername('Mia.Wong')).toContainEqual({
          id: 'u1',
          key: 'u1@example.com',
          doc: { user_id: 'u1', username: 'Mia.Wong' },
        });
      });

      it('folds ASCII letters only, and a username with a NUL character finds nothing', async () => {
        await storage.entities.apply([
          put('user', 'u1', 'u1@example.com', { username: 'ÉLAN' }),
          put('user', 'u2', 'u2@example.com', { username: 'IVAN' }),
        ]);
        expect((await storage.entities.findUsersByUsername('ÉLAN')).map((e) => e.id)).toStrictEqual(['u1']);
        expect(await storage.entities.findUsersByUsername('élan')).toStrictEqual([]);
        expect((await storage.entities.findUsersByUsername('ivan')).map((e) => e.id)).toStrictEqual(['u2']);
        expect(await storage.entities.findUsersByUsername('ivan\u0000')).toStrictEqual([]);
      });

      it('stores and finds a user whose document has NUL characters, in other fields or in its username', async () => {
        const doc = { name: 'nul \u0000 inside', user_metadata: { note: '\u0000' }, username: 'nula' };
        await storage.entities.apply([
          put('user', 'u1', 'u1@example.com', doc),
          put('user', 'u2', 'u2@example.com', { username: 'nul\u0000b' }),
        ]);
        expect(await storage.entities.findUsersByUsername('NULA')).toStrictEqual([
          { id: 'u1', key: 'u1@example.com', doc },
        ]);
        expect((await storage.entities.get('user', 'u2'))?.doc).toStrictEqual({ username: 'nul\u0000b' });
      });

      it('finds users by exact e-mail, of any connection, in insertion order; other kinds and fields never', async () => {
        const user = (id: string, key: string, email: string | undefined, extra: Record<string, unknown> = {}) =>
          put('user', id, key, { user_id: id, ...(email === undefined ? {} : { email }), ...extra });
        await storage.entities.apply([
          user('auth0|1', 'mia@example.com', 'mia@example.com'),
          user('u2', 'u2@example.com', 'bob@example.com'),
          // Social users are keyed by user_id: several may share the database user's address.
          user('google-oauth2|3', 'google-oauth2|3', 'mia@example.com', { provider: 'google-oauth2' }),
          put('role', 'r1', 'mia', { email: 'mia@example.com' }),
          user('u4', 'u4@example.com', undefined, { user_metadata: { email: 'mia@example.com' } }),
          user('github|5', 'github|5', 'Mia@Example.com', { provider: 'github' }),
        ]);
        const ids = async (email: string) => (await storage.entities.findUsersByEmail(email)).map((e) => e.id);

        expect(await ids('mia@example.com')).toStrictEqual(['auth0|1', 'google-oauth2|3']);
        // Exact: callers lower-case the address, as for the unique key.
        expect(await ids('Mia@Example.com')).toStrictEqual(['github|5']);
        expect(await ids('mia@example.co')).toStrictEqual([]);
        expect(await ids('mia@example.com\u0000')).toStrictEqual([]);
        expect(await storage.entities.findUsersByEmail('bob@example.com')).toStrictEqual([
          { id: 'u2', key: 'u2@example.com', doc: { user_id: 'u2', email: 'bob@example.com' } },
        ]);
      });

      it('an e-mail lookup sees changes and deletes, and finds a user whose document holds NUL characters', async () => {
        const doc = { email: 'nul@example.com', name: 'nul \u0000 inside' };
        await storage.entities.apply([put('user', 'u1', 'nul@example.com', doc)]);
        expect(await storage.entities.findUsersByEmail('nul@example.com')).toStrictEqual([
          { id: 'u1', key: 'nul@example.com', doc },
        ]);
        await storage.entities.apply([put('user', 'u1', 'new@example.com', { ...doc, email: 'new@example.com' })]);
        expect(await storage.entities.findUsersByEmail('nul@example.com')).toStrictEqual([]);
        expect((await storage.entities.findUsersByEmail('new@example.com')).map((e) => e.id)).toStrictEqual(['u1']);
        await storage.entities.apply([{ op: 'delete', kind: 'user', id: 'u1' }]);
        expect(await storage.entities.findUsersByEmail('new@example.com')).toStrictEqual([]);
      });

      it('a username lookup sees updates, renames, key changes and deletes', async () => {
        const user = (id: string, key: string, username: string) => put('user', id, key, { user_id: id, username });
        await storage.entities.apply([user('u1', 'a@example.com', 'ann'), user('u2', 'b@example.com', 'bob')]);
        const ids = async (username: string) => (await storage.entities.findUsersByUsername(username)).map((e) => e.id);

        await storage.entities.apply([user('u1', 'a2@example.com', 'annie')]);
        expect(await ids('ann')).toStrictEqual([]);
        expect(await storage.entities.findUsersByUsername('ANNIE')).toStrictEqual([
          { id: 'u1', key: 'a2@example.com', doc: { user_id: 'u1', username: 'annie' } },
        ]);
        // The username moves from u2 to a new u3 in one batch.
        await storage.entities.apply([{ op: 'delete', kind: 'user', id: 'u2' }, user('u3', 'c@example.com', 'Bob')]);
        expect(await ids('bob')).toStrictEqual(['u3']);
        await storage.entities.apply([{ op: 'delete', kind: 'user', id: 'u3' }]);
        expect(await ids('bob')).toStrictEqual([]);
        // A failed batch changes nothing the lookup sees.
        const clash = storage.entities.apply([user('u4', 'd@example.com', 'dan'), user('u5', 'a2@example.com', 'x')]);
        await expect(clash).rejects.toMatchObject({ code: 'ERR_STORAGE_CONFLICT' });
        expect(await ids('dan')).toStrictEqual([]);
      });

      it('deletes, frees the key, and ignores absent ids', async () => {
        await storage.entities.apply([put('client_grant', 'cg1', 'c1|api'), put('client_grant', 'cg2', 'c2|api')]);
        await storage.entities.apply([
          { op: 'delete', kind: 'client_grant', id: 'cg1' },
          { op: 'delete', kind: 'client_grant', id: 'absent' },
        ]);
        await storage.entities.apply([]);
        expect(await storage.entities.get('client_grant', 'cg1')).toBeUndefined();
        expect(await storage.entities.getByKey('client_grant', 'c1|api')).toBeUndefined();
        expect(await storage.entities.list('client_grant')).toMatchObject({ total: 1 });
      });
    });

    describe('state', () => {
      it('gets, sets and overwrites', async () => {
        expect(await storage.getState('keys')).toBeUndefined();
        const jwks = { keys: [{ kty: 'RSA', kid: 'k1', n: 'abc', e: 'AQAB' }] };
        await storage.setState('keys', jwks);
        expect(await storage.getState('keys')).toStrictEqual(jwks);
        await storage.setState('keys', { keys: [] });
        expect(await storage.getState('keys')).toStrictEqual({ keys: [] });
        await storage.setState('n', 42);
        await storage.setState('s', 'secret');
        expect(await storage.getState('n')).toBe(42);
        expect(await storage.getState('s')).toBe('secret');
      });

      it('setStateIfAbsent keeps the first value', async () => {
        expect(await storage.setStateIfAbsent('cookie-keys', ['first'])).toStrictEqual(['first']);
        expect(await storage.setStateIfAbsent('cookie-keys', ['second'])).toStrictEqual(['first']);
        expect(await storage.getState('cookie-keys')).toStrictEqual(['first']);
      });

      it('concurrent setStateIfAbsent calls agree on one value', async () => {
        const values = await Promise.all(
          Array.from({ length: 50 }, (_, i) => storage.setStateIfAbsent('client-secret', { secret: `s${i}` })),
        );
        const stored = await storage.getState<{ secret: string }>('client-secret');
        expect(stored).toBeDefined();
        for (const v of values) expect(v).toStrictEqual(stored);
      });
    });

    describe('close', () => {
      it('is idempotent', async () => {
        await storage.close();
        await storage.close();
      });

      it('any use after close fails with ERR_STORAGE', async () => {
        const sessions = storage.model('Session');
        await storage.close();
        const closed = { code: 'ERR_STORAGE' };
        expect(() => storage.model('Session')).toThrow(expect.objectContaining(closed));
        await expect(sessions.find('s')).rejects.toMatchObject(closed);
        await expect(sessions.upsert('s', {}, undefined)).rejects.toMatchObject(closed);
        await expect(sessions.consume('s')).rejects.toMatchObject(closed);
        await expect(storage.revokeGrant('g')).rejects.toMatchObject(closed);
        await expect(storage.entities.get('user', 'u')).rejects.toMatchObject(closed);
        await expect(storage.entities.list('user')).rejects.toMatchObject(closed);
        await expect(storage.entities.findUsersByUsername('mia')).rejects.toMatchObject(closed);
        await expect(storage.entities.findUsersByEmail('mia@example.com')).rejects.toMatchObject(closed);
        await expect(storage.entities.apply([])).rejects.toMatchObject(closed);
        await expect(storage.getState('k')).rejects.toMatchObject(closed);
        await expect(storage.setState('k', 1)).rejects.toMatchObject(closed);
        await expect(storage.setStateIfAbsent('k', 1)).rejects.toMatchObject(closed);
        await expect(storage.sweepExpired()).rejects.toMatchObject(closed);
      });
    });

    describe('counters and locks', () => {
      it('counters: an update sees the previous value until it expires at the caller’s clock', async () => {
        const add = () => storage.counters.update<number>('k', (n = 0) => n + 1, now(), now() + 1_000);
        expect(await add()).toBe(1);
        expect(await add()).toBe(2);
        expect(await storage.counters.read(['k', 'other'], now())).toStrictEqual(new Map([['k', 2]]));
        advance(1_000);
        expect(await storage.counters.read(['k'], now())).toStrictEqual(new Map());
        expect(await add()).toBe(1);
        await storage.counters.delete('k');
        expect(await storage.counters.read(['k'], now())).toStrictEqual(new Map());
      });

      it('counters: concurrent updates of one key lose nothing', async () => {
        await Promise.all(
          Array.from({ length: 20 }, () =>
            storage.counters.update<number>('hits', (n = 0) => n + 1, now(), now() + HOUR),
          ),
        );
        expect((await storage.counters.read<number>(['hits'], now())).get('hits')).toBe(20);
      });

      it('exclusive: holders of one name run one at a time, other names do not wait', async () => {
        const order: string[] = [];
        let releaseFirst: () => void = () => {};
        const firstHeld = new Promise<void>((resolve) => {
          releaseFirst = resolve;
        });
        let firstEntered: () => void = () => {};
        const entered = new Promise<void>((resolve) => {
          firstEntered = resolve;
        });
        const first = storage.exclusive('family', async () => {
          firstEntered();
          order.push('first in');
          await firstHeld;
          order.push('first out');
        });
        await entered;
        const second = storage.exclusive('family', async () => {
          order.push('second in');
        });
        await storage.exclusive('another', async () => {
          order.push('another');
        });
        releaseFirst();
        await Promise.all([first, second]);
        expect(order).toStrictEqual(['first in', 'another', 'first out', 'second in']);
      });
    });
  });
}
