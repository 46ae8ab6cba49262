import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from '@authmesh/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPostgresUrl, openStorage, resolveDatabaseUrl } from '../../src/storage/open.ts';

let server: TestPostgres;
const dir = mkdtempSync(join(tmpdir(), 'authmesh-open-'));
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('openStorage', () => {
  it('opens Postgres for a postgres:// database, migrated', async () => {
    const url = await server.createDatabase();
    const storage = await openStorage({ database: url, dataDir: dir, sweepIntervalMs: 0 });
    try {
      await storage.setState('where', 'postgres');
    } finally {
      await storage.close();
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect((await client.query("SELECT value FROM state WHERE key = 'where'")).rows).toStrictEqual([
        { value: 'postgres' },
      ]);
    } finally {
      await client.end();
    }
  });

  it('opens SQLite in the data directory without a database, and in memory for null', async () => {
    const onDisk = await openStorage({ dataDir: dir, sweepIntervalMs: 0 });
    await onDisk.setState('k', 1);
    await onDisk.close();
    const reopened = await openStorage({ dataDir: dir, sweepIntervalMs: 0 });
    expect(await reopened.getState('k')).toBe(1);
    await reopened.close();
    const memory = await openStorage({ dataDir: null, sweepIntervalMs: 0 });
    expect(await memory.getState('k')).toBeUndefined();
    await memory.close();
  });

  it('refuses a database URL of another kind with ERR_STORAGE, its password masked', async () => {
    const refused = openStorage({ database: 'mysql://root:s3cret@db/auth' });
    await expect(refused).rejects.toMatchObject({ code: 'ERR_STORAGE' });
    await expect(refused).rejects.toThrow(/postgres:\/\//);
    await expect(refused).rejects.not.toThrow(/s3cret/);
  });
});

describe('resolveDatabaseUrl', () => {
  it('prefers the flag, then AUTHMESH_DATABASE_URL; empty means none', () => {
    const env = { AUTHMESH_DATABASE_URL: 'postgres://env/db' };
    expect(resolveDatabaseUrl('postgres://flag/db', env)).toBe('postgres://flag/db');
    expect(resolveDatabaseUrl(undefined, env)).toBe('postgres://env/db');
    expect(resolveDatabaseUrl(undefined, {})).toBeUndefined();
    expect(resolveDatabaseUrl(undefined, { AUTHMESH_DATABASE_URL: '' })).toBeUndefined();
  });

  it('knows a Postgres URL by its scheme', () => {
    expect(isPostgresUrl('postgres://u@h/d')).toBe(true);
    expect(isPostgresUrl('postgresql://u@h/d')).toBe(true);
    expect(isPostgresUrl('mysql://u@h/d')).toBe(false);
    expect(isPostgresUrl('/var/lib/authmesh')).toBe(false);
  });
});
