import { startPostgres, type TestPostgres } from '@authmesh/testkit';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Storage } from '../../src/storage/contract.ts';
import { migratePostgres, openPostgresStorage, type PostgresStorageOptions } from '../../src/storage/postgres.ts';
import { FIND_USERS_BY_EMAIL_SQL, FIND_USERS_BY_USERNAME_SQL } from '../../src/storage/postgres-entity-store.ts';
import { loadMigrations, migrateSchema } from '../../src/storage/postgres-migrate.ts';
import { MODEL_SQL } from '../../src/storage/postgres-model-store.ts';
import { describeStorageContract } from './contract.ts';

let server: TestPostgres;
/** The contract suite's database: emptied before each test, so that every `open` gives an empty store. */
let contractUrl: string;
beforeAll(async () => {
  server = await startPostgres();
  contractUrl = await server.createDatabase();
});
afterAll(() => server?.stop());

describeStorageContract('postgres', async ({ now }) => {
  // Emptied rather than a new database per test: CREATE DATABASE costs far more than the test itself.
  const storage = await openPostgresStorage({ url: contractUrl, now, sweepIntervalMs: 0 });
  await raw(contractUrl, 'DELETE FROM oidc_models; DELETE FROM entities; DELETE FROM state; DELETE FROM counters');
  return storage;
});

/** Runs `sql` with a raw connection, independent of the backend under test. */
async function raw<Row extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('postgres storage', () => {
  const opened: Storage[] = [];
  const open = async (options: PostgresStorageOptions) => {
    const storage = await openPostgresStorage({ sweepIntervalMs: 0, ...options });
    opened.push(storage);
    return storage;
  };

  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  it('records every migration in schema_migrations, and indexes every lookup', async () => {
    const url = await server.createDatabase();
    await open({ url });
    const versions = await raw<{ version: number; name: string }>(
      url,
      'SELECT version, name FROM schema_migrations ORDER BY version',
    );
    expect(versions).toStrictEqual(loadMigrations().map(({ version, name }) => ({ version, name })));
    expect(versions[0]).toStrictEqual({ version: 1, name: 'initial' });
    const indexes = (
      await raw<{ indexname: string }>(url, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
    )
      .map((row) => row.indexname)
      .sort();
    expect(indexes).toStrictEqual([
      'counters_expires_at',
      'counters_pkey',
      'entities_kind_key_key',
      'entities_order',
      'entities_pkey',
      'entities_user_email',
      'entities_user_username',
      'oidc_models_account_id',
      'oidc_models_expires_at',
      'oidc_models_grant_id',
      'oidc_models_pkey',
      'oidc_models_uid',
      'oidc_models_user_code',
      'schema_migrations_pkey',
      'state_pkey',
    ]);
  });

  it('every statement of the engine records uses an index, never a scan of the whole table', async () => {
    const url = await server.createDatabase();
    await open({ url });
    // Enough rows, in every model, for the planner to prefer an index whenever one applies.
    await raw(
      url,
      `INSERT INTO oidc_models (model, id, payload, grant_id, uid, user_code, account_id, expires_at)
       SELECT (ARRAY['Grant', 'Session', 'RefreshToken', 'DeviceCode'])[1 + i % 4], 'id' || i, '{}', 'g' || i / 4,
              CASE WHEN i % 4 = 1 THEN 'u' || i END, CASE WHEN i % 4 = 3 THEN 'c' || i END, 'a' || i / 40, 1000 + i
       FROM generate_series(1, 20000) AS i`,
    );
    await raw(url, 'ANALYZE oidc_models');
    const params: Record<keyof typeof MODEL_SQL, unknown[]> = {
      upsert: ['Session', 'id5', '{}', null, null, null, null, null, null],
      find: ['Session', 'id5', 0],
      findByUid: ['Session', 'u5', 0],
      findByUserCode: ['DeviceCode', 'c7', 0],
      consume: [0, 'RefreshToken', 'id6'],
      destroy: ['Session', 'id5'],
      revokeByGrantId: ['RefreshToken', 'g5'],
      revokeGrant: ['g5'],
      revokeAccount: ['a5'],
      sweep: [1010],
    };
    for (const [name, sql] of Object.entries(MODEL_SQL)) {
      const plan = await raw<{ 'QUERY PLAN': string }>(url, `EXPLAIN ${sql}`, params[name as keyof typeof MODEL_SQL]);
      const text = plan.map((row) => row['QUERY PLAN']).join('\n');
      expect(text, `${name}:\n${text}`).not.toContain('Seq Scan');
    }
  });

  it('finds users by username through the entities_user_username index, not a scan of the users', async () => {
    const url = await server.createDatabase();
    const storage = await open({ url });
    // Enough users and other entities for the planner to prefer an index whenever one applies.
    await raw(
      url,
      `INSERT INTO entities (kind, id, key, doc, username)
       SELECT CASE WHEN i % 4 = 0 THEN 'client' ELSE 'user' END, 'e' || i, 'e' || i || '@example.com',
              json_build_object('username', 'User' || i), CASE WHEN i % 4 <> 0 THEN 'User' || i END
       FROM generate_series(1, 20000) AS i`,
    );
    await raw(url, 'ANALYZE entities');
    const plan = await raw<{ 'QUERY PLAN': string }>(url, `EXPLAIN ${FIND_USERS_BY_USERNAME_SQL}`, ['user5']);
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).toMatch(
      /Index Scan using entities_user_username on entities|Bitmap Index Scan on entities_user_username/,
    );
    expect(text).not.toContain('Seq Scan');
    expect((await storage.entities.findUsersByUsername('USER5')).map((e) => e.id)).toStrictEqual(['e5']);
  });

  it('migrating a schema-2 database indexes the users already stored by username', async () => {
    const url = await server.createDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await migrateSchema(client, loadMigrations().slice(0, 2));
    } finally {
      await client.end();
    }
    const insert = `INSERT INTO entities (kind, id, key, doc) VALUES ($1, $2, $3, $4)`;
    await raw(url, insert, ['user', 'auth0|1', 'mia@example.test', JSON.stringify({ username: 'Mia' })]);
    await raw(url, insert, ['role', 'r1', 'mia', JSON.stringify({ username: 'mia' })]);
    // A document `->>` cannot read (a \u0000 escape): the migration leaves it without a username, and succeeds.
    const nul = { name: 'nul \u0000', username: 'nula' };
    await raw(url, insert, ['user', 'auth0|2', 'nula@example.test', JSON.stringify(nul)]);
    expect(await migratePostgres(url)).toStrictEqual({ applied: [3, 4], version: 4 });
    const storage = await open({ url, migrate: false });
    expect((await storage.entities.findUsersByUsername('mia')).map((e) => e.id)).toStrictEqual(['auth0|1']);
    expect(await storage.entities.findUsersByUsername('nula')).toStrictEqual([]);
    // Its next write (a login records itself on the user) gives it its username.
    await storage.entities.apply([{ op: 'put', kind: 'user', id: 'auth0|2', key: 'nula@example.test', doc: nul }]);
    expect((await storage.entities.findUsersByUsername('nula')).map((e) => e.id)).toStrictEqual(['auth0|2']);
  });

  it('finds users by e-mail through the entities_user_email index, not a scan of the users', async () => {
    const url = await server.createDatabase();
    const storage = await open({ url });
    await raw(
      url,
      `INSERT INTO entities (kind, id, key, doc, email)
       SELECT CASE WHEN i % 4 = 0 THEN 'client' ELSE 'user' END, 'e' || i, 'e' || i,
              json_build_object('email', 'e' || i || '@example.com'),
              CASE WHEN i % 4 <> 0 THEN 'e' || i || '@example.com' END
       FROM generate_series(1, 20000) AS i`,
    );
    await raw(url, 'ANALYZE entities');
    const plan = await raw<{ 'QUERY PLAN': string }>(url, `EXPLAIN ${FIND_USERS_BY_EMAIL_SQL}`, ['e5@example.com']);
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index Scan using entities_user_email on entities|Bitmap Index Scan on entities_user_email/);
    expect(text).not.toContain('Seq Scan');
    expect((await storage.entities.findUsersByEmail('e5@example.com')).map((e) => e.id)).toStrictEqual(['e5']);
  });

  it('migrating a schema-3 database indexes the users already stored by e-mail', async () => {
    const url = await server.createDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await migrateSchema(client, loadMigrations().slice(0, 3));
    } finally {
      await client.end();
    }
    const insert = `INSERT INTO entities (kind, id, key, doc) VALUES ($1, $2, $3, $4)`;
    await raw(url, insert, ['user', 'auth0|1', 'mia@example.test', JSON.stringify({ email: 'mia@example.test' })]);
    await raw(url, insert, ['user', 'github|3', 'github|3', JSON.stringify({ email: 'mia@example.test' })]);
    await raw(url, insert, ['role', 'r1', 'mia', JSON.stringify({ email: 'mia@example.test' })]);
    // A document `->>` cannot read (a \u0000 escape): left without an e-mail until its next write.
    const nul = { name: 'nul \u0000', email: 'nula@example.test' };
    await raw(url, insert, ['user', 'auth0|2', 'nula@example.test', JSON.stringify(nul)]);
    expect(await migratePostgres(url)).toStrictEqual({ applied: [4], version: 4 });
    const storage = await open({ url, migrate: false });
    const found = await storage.entities.findUsersByEmail('mia@example.test');
    expect(found.map((e) => e.id)).toStrictEqual(['auth0|1', 'github|3']);
    expect(await storage.entities.findUsersByEmail('nula@example.test')).toStrictEqual([]);
    await storage.entities.apply([{ op: 'put', kind: 'user', id: 'auth0|2', key: 'nula@example.test', doc: nul }]);
    const nula = await storage.entities.findUsersByEmail('nula@example.test');
    expect(nula.map((e) => e.id)).toStrictEqual(['auth0|2']);
  });

  it('two processes starting together on an empty database migrate it once', async () => {
    const url = await server.createDatabase();
    // Ten concurrent migrators, each on its own connection, as ten tenant processes starting at once.
    const reports = await Promise.all(Array.from({ length: 10 }, () => migratePostgres(url)));
    expect(reports.filter((r) => r.applied.length > 0)).toHaveLength(1);
    expect(reports.flatMap((r) => r.applied)).toStrictEqual(loadMigrations().map((m) => m.version));
    for (const report of reports) expect(report.version).toBe(loadMigrations().length);
    expect(await raw(url, 'SELECT version FROM schema_migrations')).toHaveLength(loadMigrations().length);
    // And then every one of them opens and works on the one schema.
    const storages = await Promise.all(Array.from({ length: 3 }, () => open({ url })));
    await storages[0]?.setState('k', 'v');
    expect(await storages[2]?.getState('k')).toBe('v');
  });

  it('migrate is idempotent: a second run applies nothing', async () => {
    const url = await server.createDatabase();
    expect((await migratePostgres(url)).applied).toStrictEqual([1, 2, 3, 4]);
    expect(await migratePostgres(url)).toStrictEqual({ applied: [], version: 4 });
  });

  it('with migrate: false, refuses a database that was never migrated, and opens one that was', async () => {
    const url = await server.createDatabase();
    await expect(open({ url, migrate: false })).rejects.toMatchObject({
      code: 'ERR_STORAGE',
      message: expect.stringContaining('authmesh migrate'),
    });
    await migratePostgres(url);
    await (await open({ url, migrate: false })).setState('k', 1);
  });

  it('a role that may only read and write rows opens a migrated database (no DDL when the schema is current)', async () => {
    const url = await server.createDatabase();
    await migratePostgres(url);
    const role = `authmesh_app_${Math.random().toString(36).slice(2, 10)}`;
    await raw(
      url,
      `CREATE ROLE ${role} LOGIN PASSWORD 'app-password';
       REVOKE CREATE ON SCHEMA public FROM PUBLIC;
       GRANT USAGE ON SCHEMA public TO ${role};
       GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role};`,
    );
    try {
      const appUrl = new URL(url);
      appUrl.username = role;
      appUrl.password = 'app-password';
      const storage = await open({ url: appUrl.toString() });
      await storage.entities.apply([{ op: 'put', kind: 'role', id: 'r', key: 'k', doc: {} }]);
      expect((await storage.entities.get('role', 'r'))?.key).toBe('k');
      await storage.close();
    } finally {
      await raw(url, `DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });

  it('refuses a database with a newer schema version', async () => {
    const url = await server.createDatabase();
    await migratePostgres(url);
    await raw(url, "INSERT INTO schema_migrations (version, name) VALUES (99, 'future')");
    await expect(open({ url })).rejects.toMatchObject({
      code: 'ERR_STORAGE',
      message: expect.stringContaining('newer'),
    });
  });

  it('shares one database between processes: consume, key conflicts and create-once state hold across them', async () => {
    const url = await server.createDatabase();
    const [a, b] = [await open({ url }), await open({ url })] as const;
    await a.model('RefreshToken').upsert('rt', { jti: 'rt', grantId: 'g' }, 60);
    const wins = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).model('RefreshToken').consume('rt')),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    await a.entities.apply([{ op: 'put', kind: 'user', id: 'u1', key: 'ann@example.com', doc: {} }]);
    await expect(
      b.entities.apply([{ op: 'put', kind: 'user', id: 'u2', key: 'ann@example.com', doc: {} }]),
    ).rejects.toMatchObject({ code: 'ERR_STORAGE_CONFLICT' });
    const secrets = await Promise.all([a.setStateIfAbsent('secret', 'from-a'), b.setStateIfAbsent('secret', 'from-b')]);
    expect(secrets[0]).toBe(secrets[1]);
  });

  it('keeps entity documents as written (key order) and strings JSON allows but jsonb would not', async () => {
    const url = await server.createDatabase();
    const storage = await open({ url });
    const doc = { zeta: 1, alpha: { y: 2, b: 3 }, name: 'nul \u0000 inside' };
    await storage.entities.apply([{ op: 'put', kind: 'client', id: 'c', key: 'k', doc }]);
    expect(JSON.stringify((await storage.entities.get('client', 'c'))?.doc)).toBe(JSON.stringify(doc));
    await storage.model('Interaction').upsert('i', { params: { state: 'a\u0000b' } }, 60);
    expect(await storage.model('Interaction').find('i')).toStrictEqual({ params: { state: 'a\u0000b' } });
  });

  it('bounds every statement with the statement timeout', async () => {
    const url = await server.createDatabase();
    const storage = await open({ url, statementTimeoutMs: 200 });
    await storage.entities.apply([{ op: 'put', kind: 'role', id: 'r', key: 'admin', doc: {} }]);
    // Another connection holds the row lock: the write waits for it, and the timeout ends the wait.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query("SELECT * FROM entities WHERE kind = 'role' FOR UPDATE");
      await expect(
        storage.entities.apply([{ op: 'put', kind: 'role', id: 'r', key: 'admin', doc: { n: 2 } }]),
      ).rejects.toMatchObject({ code: 'ERR_STORAGE', message: expect.stringContaining('statement timeout') });
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
    // The pool recovered: the same write now goes through.
    await storage.entities.apply([{ op: 'put', kind: 'role', id: 'r', key: 'admin', doc: { n: 2 } }]);
    expect((await storage.entities.get('role', 'r'))?.doc).toStrictEqual({ n: 2 });
  });

  it('survives the server ending its connections (a restart, a failover) and recovers on the next call', async () => {
    const url = await server.createDatabase();
    const storage = await open({ url, poolSize: 4 });
    // Fill the pool: four connections, idle once these return.
    await Promise.all(Array.from({ length: 4 }, (_, i) => storage.setState(`k${i}`, i)));
    const ended = await raw<{ ended: boolean }>(
      url,
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'authmesh'`,
    );
    expect(ended.length).toBeGreaterThan(0);
    // An idle connection's death is an 'error' event on the pool: unhandled, it would end this process.
    // The calls after it run on new connections (a call caught on a dying one may fail, with ERR_STORAGE).
    const results = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => storage.getState(`k${i}`)));
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'ERR_STORAGE' });
    expect(await storage.getState('k3')).toBe(3);
    await storage.entities.apply([{ op: 'put', kind: 'role', id: 'r', key: 'after', doc: {} }]);
    expect((await storage.entities.getByKey('role', 'after'))?.id).toBe('r');
  });

  it('fails with ERR_STORAGE, without the password, when the database cannot be reached', async () => {
    const url = new URL(server.url);
    url.username = 'nobody';
    url.password = 'hunter2-do-not-print';
    url.pathname = '/no_such_database';
    const failure = open({ url: url.toString(), connectTimeoutMs: 2_000 });
    await expect(failure).rejects.toMatchObject({ code: 'ERR_STORAGE' });
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });

  it('the background sweeper deletes expired rows', async () => {
    // Only the sweeper's interval is faked: the driver's own timers stay real.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const url = await server.createDatabase();
    let clock = Date.UTC(2030, 0, 1);
    const storage = await open({ url, now: () => clock, sweepIntervalMs: 1000 });
    const sweep = vi.spyOn(storage, 'sweepExpired');
    await storage.model('AccessToken').upsert('t', { jti: 't' }, 5);
    await storage.model('AccessToken').upsert('keep', { jti: 'keep' }, undefined);
    clock += 6000;
    expect(await raw(url, 'SELECT id FROM oidc_models ORDER BY id')).toStrictEqual([{ id: 'keep' }, { id: 't' }]);
    vi.advanceTimersByTime(1000);
    expect(sweep).toHaveBeenCalledTimes(1);
    expect(await sweep.mock.results[0]?.value).toBe(1);
    expect(await raw(url, 'SELECT id FROM oidc_models')).toStrictEqual([{ id: 'keep' }]);
  });
});
