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
      expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: 2 });
    } finally {
      db.close();
    }
    expect(readFileSync(path).includes(CLEAR_TOKEN), 'the dropped token is still readable in the file').toBe(false);
  });
});
