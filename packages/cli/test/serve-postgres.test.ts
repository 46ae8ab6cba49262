import { loginForCode, startPostgres, type TestPostgres } from '@authmesh/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  CATALOG,
  CliProcess,
  CUSTOMER,
  decodeJwt,
  EXAMPLE_CONFIG,
  freePort,
  getJson,
  killLeftovers,
  SPA,
  tokenRequest,
} from './support/cli.ts';

/*
 * `authmesh serve` on Postgres: two processes on one database (no data-directory lock between them), a code
 * obtained from one redeemed at the other, storage latency measured on the Postgres backend, and SIGTERM
 * ending each process by itself: the drain closes the connection pool, or the process would not exit.
 */

let server: TestPostgres;
let database: string;

beforeAll(async () => {
  server = await startPostgres();
  database = await server.createDatabase();
});

afterAll(async () => {
  await killLeftovers();
  await server?.stop();
});

/** One `authmesh serve` on `port` with the shared `issuer` (as two processes behind one proxy have). */
async function startServe(port: number, issuer: string): Promise<{ cli: CliProcess; url: string; metrics: string }> {
  const metricsPort = await freePort();
  const cli = new CliProcess([
    'serve',
    '--config',
    EXAMPLE_CONFIG,
    '--database',
    database,
    '--port',
    String(port),
    '--issuer',
    issuer,
    '--insecure-http',
    '--metrics-port',
    String(metricsPort),
  ]);
  await cli.until(() => cli.stdout.includes('"msg":"authmesh tenant ready"'), 'the ready line', 30_000);
  return { cli, url: `http://127.0.0.1:${port}/`, metrics: `http://127.0.0.1:${metricsPort}/metrics` };
}

it('two serve processes share one Postgres database, are ready, and drain to a clean exit on SIGTERM', async () => {
  const portA = await freePort();
  const issuer = `http://localhost:${portA}/`;
  const a = await startServe(portA, issuer);
  const b = await startServe(await freePort(), issuer);
  for (const { url } of [a, b]) {
    expect(await getJson(new URL('readyz', url))).toMatchObject({ status: 200, json: { status: 'ready' } });
  }

  // The login runs on A (the issuer's port), the code is redeemed on B.
  const login = await loginForCode({
    issuer,
    clientId: SPA.clientId,
    redirectUri: SPA.redirectUri,
    username: CUSTOMER.username,
    password: CUSTOMER.password,
    audience: CATALOG,
  });
  const tokens = await tokenRequest(b.url, {
    grant_type: 'authorization_code',
    client_id: SPA.clientId,
    code: login.code,
    code_verifier: login.verifier,
    redirect_uri: SPA.redirectUri,
  });
  expect(tokens.status, tokens.text).toBe(200);
  expect(decodeJwt(String(tokens.json.access_token)).payload).toMatchObject({
    iss: issuer,
    aud: expect.arrayContaining([CATALOG]),
  });

  const metrics = await (await fetch(b.metrics)).text();
  expect(metrics).toMatch(
    /authmesh_storage_operation_duration_seconds_count\{operation="model\.find",outcome="ok"\} [1-9]/,
  );

  for (const { cli } of [a, b]) {
    cli.child.kill('SIGTERM');
    expect(await cli.waitForExit(20_000)).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toContain('"msg":"stopped"');
    expect(cli.stderr).toBe('');
  }
  // The database URL (it may carry a password) is printed by neither process.
  expect(a.cli.stdout + b.cli.stdout).not.toContain(database);
}, 90_000);
