import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import { FIND_USERS_BY_EMAIL_SQL, FIND_USERS_BY_USERNAME_SQL } from '../../src/storage/sqlite-entity-store.ts';
import { describeStorageContract } from './contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'authmesh-sqlite-'));
let files = 0;
const freshPath = () => join(dir, `db-${++files}.sqlite`);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStorageContract('sqlite file', ({ now }) => openSqliteStorage({ path: freshPath(), now, sweepIntervalMs: 0 }));
describeStorageContract('sqlite :memory:', ({ now }) =>
  openSqliteStorage({ path: ':memory:', now, sweepIntervalMs: 0 }),
);

/** Reads a file with a raw connection, independent of the backend under test. */
function raw<T>(path: string, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

describe('sqlite storage', () => {
  const opened: Storage[] = [];
  const open = (path: string, now?: () => number) => {
    const storage = openSqliteStorage({ path, now, sweepIntervalMs: 0 });
    opened.push(storage);
    return storage;
  };

  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  it('puts the file in WAL mode at schema version 4', async () => {
    const path = freshPath();
    await open(path).close();
    expect(raw(path, (db) => db.prepare('PRAGMA journal_mode').get())).toEqual({ journal_mode: 'wal' });
    expect(raw(path, (db) => db.prepare('PRAGMA user_version').get())).toEqual({ user_version: 4 });
  });

  // Each lookup of a user by a field other than its key has an index of its own; the planner must use it.
  it.each([
    {
      index: 'entities_user_username',
      sql: FIND_USERS_BY_USERNAME_SQL,
      key: (i: number) => `e${i}@example.com`,
      doc: (i: number) => ({ username: `User${i}` }),
      asked: 'user5',
      find: (storage: Storage) => storage.entities.findUsersByUsername('USER5'),
    },
    {
      index: 'entities_user_email',
      sql: FIND_USERS_BY_EMAIL_SQL,
      key: (i: number) => `e${i}`,
      doc: (i: number) => ({ email: `e${i}@example.com` }),
      asked: 'e5@example.com',
      find: (storage: Storage) => storage.entities.findUsersByEmail('e5@example.com'),
    },
  ])('finds users through the $index index, not a scan of the users', async ({ index, sql, key, doc, asked, find }) => {
    const path = freshPath();
    const storage = open(path);
    // Enough users and other entities for the planner to have a choice to make.
    const ops = Array.from({ length: 2000 }, (_, i) => ({
      op: 'put' as const,
      kind: i % 4 === 0 ? ('client' as const) : ('user' as const),
      id: `e${i}`,
      key: key(i),
      doc: doc(i),
    }));
    await storage.entities.apply(ops);
    const plan = () =>
      raw(path, (db) =>
        db
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all(asked)
          .map((row) => String(row.detail))
          .join('\n'),
      );
    // As a tenant's file is (never analysed), and with the statistics ANALYZE gathers.
    for (const analyse of [false, true]) {
      if (analyse) raw(path, (db) => db.exec('ANALYZE'));
      expect(plan()).toContain(`SEARCH entities USING INDEX ${index} (<expr>=?)`);
      expect(plan()).not.toMatch(/SCAN entities/);
      // The index gives the order too: no sort of the matches.
      expect(plan()).not.toMatch(/TEMP B-TREE/);
    }
    expect((await find(storage)).map((e) => e.id)).toStrictEqual(['e5']);
  });

  it('creates the parent directory', async () => {
    const path = join(dir, 'nested', 'deeper', 'tenant.sqlite');
    await open(path).setState('k', 1);
    expect(await open(path).getState('k')).toBe(1);
  });

  it('persists models, entities and state across close and reopen', async () => {
    const path = freshPath();
    const clock = Date.UTC(2030, 0, 1);
    const first = open(path, () => clock);
    await first.model('RefreshToken').upsert('rt', { jti: 'rt', grantId: 'g' }, 3600);
    await first.model('RefreshToken').consume('rt');
    await first.model('Session').upsert('s', { uid: 'u' }, undefined);
    await first.entities.apply([{ op: 'put', kind: 'client', id: 'c1', key: 'spa', doc: { n: 1 } }]);
    await first.entities.apply([{ op: 'put', kind: 'client', id: 'c0', key: 'api', doc: { n: 0 } }]);
    await first.setState('keys', { kid: 'k1' });
    await first.close();

    const second = open(path, () => clock + 1000);
    expect(await second.model('RefreshToken').find('rt')).toStrictEqual({
      jti: 'rt',
      grantId: 'g',
      consumed: Math.floor(clock / 1000),
    });
    expect(await second.model('RefreshToken').consume('rt')).toBe(false);
    expect(await second.model('Session').findByUid('u')).toStrictEqual({ uid: 'u' });
    expect((await second.entities.list('client')).items.map((e) => e.id)).toStrictEqual(['c1', 'c0']);
    expect(await second.getState('keys')).toStrictEqual({ kid: 'k1' });
  });

  it('shares one file between connections: consume, key conflicts and create-once state hold across them', async () => {
    const path = freshPath();
    const a = open(path);
    const b = open(path);
    await a.model('AuthorizationCode').upsert('c', { jti: 'c' }, 60);
    expect(await b.model('AuthorizationCode').consume('c')).toBe(true);
    expect(await a.model('AuthorizationCode').consume('c')).toBe(false);
    await a.entities.apply([{ op: 'put', kind: 'user', id: 'u1', key: 'ann@example.com', doc: {} }]);
    await expect(
      b.entities.apply([{ op: 'put', kind: 'user', id: 'u2', key: 'ann@example.com', doc: {} }]),
    ).rejects.toMatchObject({ code: 'ERR_STORAGE_CONFLICT' });
    expect(await a.setStateIfAbsent('secret', 'from-a')).toBe('from-a');
    expect(await b.setStateIfAbsent('secret', 'from-b')).toBe('from-a');
  });

  it('refuses a file with a newer schema version', () => {
    const path = freshPath();
    raw(path, (db) => db.exec('PRAGMA user_version = 99'));
    expect(() => open(path)).toThrow(expect.objectContaining({ code: 'ERR_STORAGE' }));
  });

  it('fails to open an unusable path with ERR_STORAGE', () => {
    expect(() => open(dir)).toThrow(expect.objectContaining({ code: 'ERR_STORAGE' }));
  });

  it('the background sweeper deletes expired rows', async () => {
    vi.useFakeTimers();
    const path = freshPath();
    let clock = Date.UTC(2030, 0, 1);
    const storage = openSqliteStorage({ path, now: () => clock, sweepIntervalMs: 1000 });
    opened.push(storage);
    await storage.model('AccessToken').upsert('t', { jti: 't' }, 5);
    await storage.model('AccessToken').upsert('keep', { jti: 'keep' }, undefined);
    const rows = () => raw(path, (db) => db.prepare('SELECT count(*) AS n FROM oidc_models').get()?.n);
    clock += 6000;
    expect(rows()).toBe(2);
    vi.advanceTimersByTime(1000);
    expect(rows()).toBe(1);
  });

  it('keeps every reported write and an intact file when the writer is killed with SIGKILL', async () => {
    const path = freshPath();
    const fixture = join(import.meta.dirname, 'fixtures', 'sqlite-writer.ts');
    const child: ChildProcess = spawn(process.execPath, [fixture, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(child, 'exit');
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });

    const target = 200;
    let reported = -1;
    try {
      for await (const line of createInterface({ input: child.stdout! })) {
        reported = Number(line);
        if (reported >= target) break;
      }
    } finally {
      child.kill('SIGKILL');
    }
    const [code, signal] = await exited;
    expect(reported, `writer stopped early (exit ${code}): ${stderr}`).toBeGreaterThanOrEqual(target);
    expect(signal).toBe('SIGKILL');

    expect(raw(path, (db) => db.prepare('PRAGMA integrity_check').all())).toEqual([{ integrity_check: 'ok' }]);
    const storage = open(path);
    for (let i = 0; i <= reported; i++) {
      expect(await storage.entities.getByKey('user', `user${i}@example.com`)).toStrictEqual({
        id: `u${i}`,
        key: `user${i}@example.com`,
        doc: { i },
      });
      expect(await storage.getState(`s${i}`)).toStrictEqual({ i });
      expect(await storage.model('AccessToken').find(`at${i}`)).toStrictEqual({ jti: `at${i}`, grantId: `g${i}` });
    }
    const { total } = await storage.entities.list('user');
    expect(total).toBeGreaterThanOrEqual(reported + 1);
  });
});
