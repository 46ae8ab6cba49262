import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';

/*
 * Schema 2: engine records are stored under hashed ids and indexed by account. A database of schema 1
 * holds engine records with bearer values in clear: they are dropped (everyone signs in again), and their
 * bytes do not stay behind in the file; tenant entities and state are kept.
 * Schema 3: users are indexed by lower-cased username; the users already stored are found by it.
 */

const dir = mkdtempSync(join(tmpdir(), 'authmesh-migration-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLEAR_TOKEN = 'refresh-token-in-clear-4f1d7c2a9b8e';

/** A database as schema 1 left it: opened by today's code, then the schema-2 column taken away again. */
async function schemaOneDatabase(path: string): Promise<void> {
  const storage = openSqliteStorage({ path, sweepIntervalMs: 0 });
  await storage.entities.apply([{ op: 'put', kind: 'user', id: 'auth0|1', key: 'a@example.test', doc: { n: 1 } }]);
  await storage.setState('keys:signing', ['kept']);
  await storage.close();
  const db = new DatabaseSync(path);
  try {
    db.exec('DROP INDEX entities_user_email');
    db.exec('DROP INDEX entities_user_username');
    db.exec('DROP INDEX oidc_models_account_id');
    db.exec('ALTER TABLE oidc_models DROP COLUMN account_id');
    db.prepare('INSERT INTO oidc_models (model, id, payload, grant_id) VALUES (?, ?, ?, ?)').run(
      'RefreshToken',
      CLEAR_TOKEN,
      JSON.stringify({ jti: CLEAR_TOKEN, grantId: 'g1', accountId: 'auth0|1' }),
      'g1',
    );
    db.exec('PRAGMA user_version = 1');
  } finally {
    db.close();
  }
}

describe('migration from schema 1', () => {
  it('drops the engine records and their bytes, keeps entities and state, and indexes accounts', async () => {
    const path = join(dir, 'tenant.db');
    await schemaOneDatabase(path);
    expect(readFileSync(path).includes(CLEAR_TOKEN)).toBe(true);

    const storage = openSqliteStorage({ path, sweepIntervalMs: 0 });
    expect(await storage.model('RefreshToken').find(CLEAR_TOKEN)).toBeUndefined();
    expect((await storage.entities.get('user', 'auth0|1'))?.doc).toEqual({ n: 1 });
    expect(await storage.getState('keys:signing')).toEqual(['kept']);
    await storage.model('Session').upsert('s', { accountId: 'auth0|1' }, 60);
    expect(await storage.revokeAccount('auth0|1')).toBe(1);
    await storage.close();

    const db = new DatabaseSync(path);
    try {
      expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: 4 });
    } finally {
      db.close();
    }
    expect(readFileSync(path).includes(CLEAR_TOKEN), 'the dropped token is still readable in the file').toBe(false);
  });
});

/** A database as schema 2 left it, with users that have usernames: today's code, then the schema-3 index taken away. */
async function schemaTwoDatabase(path: string): Promise<void> {
  const storage = openSqliteStorage({ path, sweepIntervalMs: 0 });
  await storage.entities.apply([
    { op: 'put', kind: 'user', id: 'auth0|1', key: 'mia@example.test', doc: { username: 'Mia' } },
    { op: 'put', kind: 'user', id: 'auth0|2', key: 'bo@example.test', doc: { username: 'bo' } },
  ]);
  await storage.close();
  const db = new DatabaseSync(path);
  try {
    db.exec('DROP INDEX entities_user_email');
    db.exec('DROP INDEX entities_user_username');
    db.exec('PRAGMA user_version = 2');
  } finally {
    db.close();
  }
}

describe('migration from schema 2', () => {
  it('indexes the stored users by lower-cased username, and finds them by it', async () => {
    const path = join(dir, 'schema-2.db');
    await schemaTwoDatabase(path);
    const indexes = () => {
      const db = new DatabaseSync(path);
      try {
        return db
          .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name = 'entities_user_username'")
          .all();
      } finally {
        db.close();
      }
    };
    expect(indexes()).toEqual([]);

    const storage = openSqliteStorage({ path, sweepIntervalMs: 0 });
    expect((await storage.entities.findUsersByUsername('mia')).map((e) => e.id)).toStrictEqual(['auth0|1']);
    expect((await storage.entities.findUsersByUsername('BO')).map((e) => e.id)).toStrictEqual(['auth0|2']);
    await storage.close();
    expect(indexes()).toEqual([{ name: 'entities_user_username' }]);
  });
});

/** A database as schema 3 left it, with users: today's code, then the schema-4 index taken away. */
async function schemaThreeDatabase(path: string): Promise<void> {
  const storage = openSqliteStorage({ path, sweepIntervalMs: 0 });
  await storage.entities.apply([
    { op: 'put', kind: 'user', id: 'auth0|1', key: 'mia@example.test', doc: { email: 'mia@example.test' } },
    { op: 'put', kind: 'user', id: 'github|2', key: 'github|2', doc: { email: 'mia@example.test' } },
  ]);
  await storage.close();
  const db = new DatabaseSync(path);
  try {
    db.exec('DROP INDEX entities_user_email');
    db.exec('PRAGMA user_version = 3');
  } finally {
    db.close();
  }
}

describe('migration from schema 3', () => {
  it('indexes the stored users by e-mail, and finds every user of an address', async () => {
    const path = join(dir, 'schema-3.db');
    await schemaThreeDatabase(path);
    const indexes = () => {
      const db = new DatabaseSync(path);
      try {
        return db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name = 'entities_user_email'").all();
      } finally {
        db.close();
      }
    };
    expect(indexes()).toEqual([]);

    const storage = openSqliteStorage({ path, sweepIntervalMs: 0 });
    const found = await storage.entities.findUsersByEmail('mia@example.test');
    expect(found.map((e) => e.id)).toStrictEqual(['auth0|1', 'github|2']);
    await storage.close();
    expect(indexes()).toEqual([{ name: 'entities_user_email' }]);
  });
});
