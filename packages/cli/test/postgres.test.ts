import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Banner,
  CliProcess,
  CUSTOMER,
  clientNamed,
  EXAMPLE_CONFIG,
  killLeftovers,
  runCli,
  STAFF,
} from './support/cli.ts';

/*
 * Moving up from a laptop: the dev tenant's export (secrets included) imported into Postgres with
 * `authmesh import --database`, `authmesh migrate` on its own, and `authmesh dev --database` serving the
 * imported clients with their ids and secrets, with no data-directory lock (processes share the database).
 */

let server: TestPostgres;
let data: string;
let devBanner: Banner;
const exported = () => join(data, 'export.yaml');
/** An export leaves passwords out (`@@AUTHMESH_PASSWORD_…@@`): whoever moves the tenant supplies them. */
const PASSWORDS = {
  AUTHMESH_PASSWORD_CUSTOMER_AT_ACME_TEST: CUSTOMER.password,
  AUTHMESH_PASSWORD_STAFF_AT_ACME_TEST: STAFF.password,
};

beforeAll(async () => {
  Object.assign(process.env, PASSWORDS);
  server = await startPostgres();
  data = await mkdtemp(join(tmpdir(), 'authmesh-cli-pg-'));
  const dev = new CliProcess(['dev', '--config', EXAMPLE_CONFIG, '--port', '0', '--data', data]);
  devBanner = await dev.banner();
  await dev.stop('SIGTERM');
  const result = await runCli(['export', '--data', data, '--include-secrets', '-o', exported()]);
  expect(result.code, result.stderr).toBe(0);
});

afterAll(async () => {
  for (const name of Object.keys(PASSWORDS)) delete process.env[name];
  await killLeftovers();
  await server?.stop();
  await rm(data, { recursive: true, force: true });
});

describe('authmesh on Postgres', () => {
  it('migrate needs a database (flag or AUTHMESH_DATABASE_URL), applies the schema once, then says it is current', async () => {
    const database = await server.createDatabase();
    const missing = await runCli(['migrate']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--database');

    const first = await runCli(['migrate', '--database', database]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/applied migrations 1, 2, 3, 4; schema version 4/);
    const second = await runCli(['migrate', '--database', database]);
    expect(second.stdout).toMatch(/schema is current \(version 4\)/);

    // AUTHMESH_DATABASE_URL stands for --database.
    process.env.AUTHMESH_DATABASE_URL = database;
    try {
      expect((await runCli(['migrate'])).stdout).toMatch(/schema is current/);
    } finally {
      delete process.env.AUTHMESH_DATABASE_URL;
    }
  });

  it('two processes migrating one empty database together: it is migrated once', async () => {
    const database = await server.createDatabase();
    const results = await Promise.all([
      runCli(['migrate', '--database', database]),
      runCli(['migrate', '--database', database]),
    ]);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const outputs = results.map((r) => r.stdout).sort();
    expect(outputs[0]).toMatch(/applied migrations 1, 2, 3, 4; schema version 4/);
    expect(outputs[1]).toMatch(/schema is current \(version 4\)/);
  });

  it('refuses a --database that is not a postgres:// URL, without echoing it', async () => {
    const result = await runCli(['export', '--database', 'mysql://root:s3cret-pw@db/auth']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('postgres://');
    expect(result.stderr).not.toContain('s3cret-pw');
  });

  it('import --database loads a dev tenant export into an empty database; dev --database serves it', async () => {
    const database = await server.createDatabase();
    const issuer = 'http://localhost:4555/';
    const imported = await runCli(['import', exported(), '--database', database, '--issuer', issuer]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain('tenant on this database');

    const orders = clientNamed(devBanner, 'Orders Service');
    const back = await runCli(['export', '--database', database, '--include-secrets']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain(orders.client_secret ?? 'missing secret');

    // Two dev processes on one database and one data directory: the data-directory lock is SQLite's only.
    const a = new CliProcess(['dev', '--config', exported(), '--port', '0', '--data', data, '--database', database]);
    const b = new CliProcess(['dev', '--config', exported(), '--port', '0', '--data', data, '--database', database]);
    const [bannerA, bannerB] = await Promise.all([a.banner(), b.banner()]);
    for (const banner of [bannerA, bannerB]) {
      expect(clientNamed(banner, 'Orders Service').client_id).toBe(orders.client_id);
    }
    const token = await fetch(new URL('oauth/token', bannerB.listening), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: orders.client_id,
        client_secret: orders.client_secret ?? '',
        audience: 'https://catalog.acme.test',
      }),
    });
    expect(token.status).toBe(200);
    await Promise.all([a.stop('SIGTERM'), b.stop('SIGTERM')]);
  });
});
