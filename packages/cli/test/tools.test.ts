import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Banner, CATALOG, CliProcess, decodeJwt, EXAMPLE_CONFIG, killLeftovers, runCli } from './support/cli.ts';

/* `authmesh token`, `explain` and `lint`, spawned as a user runs them, against `authmesh dev` on a data directory. */
const BAD_CONFIG = new URL('./fixtures/lint-bad-tenant.yaml', import.meta.url).pathname;
const ORDERS = 'https://orders.acme.test';

let data: string;
let dev: CliProcess;
let banner: Banner;
beforeAll(async () => {
  data = await mkdtemp(join(tmpdir(), 'authmesh-tools-test-'));
  dev = new CliProcess(['dev', '--config', EXAMPLE_CONFIG, '--port', '0', '--data', data]);
  banner = await dev.banner();
});
afterAll(async () => {
  if (dev && !dev.exit) await dev.stop('SIGINT');
  await killLeftovers();
  await rm(data, { recursive: true, force: true });
});

const tool = (args: string[]) => runCli([...args, '--config', EXAMPLE_CONFIG, '--data', data]);

describe('authmesh token', () => {
  it('prints a client-credentials token for a client whose secret the tenant generated', async () => {
    const run = await tool(['token', '--client', 'Inventory Service', '--audience', CATALOG]);
    expect(run.code).toBe(0);
    const claims = decodeJwt(run.stdout.trim()).payload;
    expect(claims.iss).toBe(banner.issuer);
    expect(claims.aud).toBe(CATALOG);
    expect(claims.scope).toBe('read:products write:stock');
  });

  it('prints a user token from the real login, with the permissions of the user role', async () => {
    const run = await tool(['token', '--user', 'staff@acme.test', '--client', 'Acme Shop SPA', '--audience', CATALOG]);
    expect(run.code).toBe(0);
    expect(decodeJwt(run.stdout.trim()).payload.permissions).toEqual(['read:products']);
  });

  it('exits 1 with the reason when the login fails', async () => {
    const run = await tool(['token', '--user', 'staff@acme.test', '--password', 'wrong', '--client', 'Acme Shop SPA']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('authmesh: the login of staff@acme.test did not reach the app');
  });
});

describe('authmesh explain', () => {
  it('says a token for another API is refused, naming its audience; exit 1', async () => {
    const token = (await tool(['token', '--client', 'Orders Service', '--audience', CATALOG])).stdout.trim();
    const run = await tool(['explain', token, '--audience', ORDERS]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('  subject: the client Orders Service (client credentials)\n');
    expect(run.stdout).toContain(
      'https://orders.acme.test (Orders API) would refuse this token.\n- The token is for https://catalog.acme.test (Catalog API), not for https://orders.acme.test (Orders API): ask for audience=https://orders.acme.test (at /authorize for a user, at /oauth/token for a client).\n',
    );
  });

  it('names the role that would give a missing permission', async () => {
    const token = (
      await tool([
        'token',
        '--user',
        'customer@acme.test',
        '--client',
        'Acme Shop SPA',
        '--audience',
        'https://inventory.acme.test',
      ])
    ).stdout.trim();
    const run = await tool(['explain', token, '--scope', 'read:inventory']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "- The token lacks the permission read:inventory: Inventory API enforces RBAC, so a user's token carries only the permissions the user holds, and customer@acme.test (roles: Customer) does not hold read:inventory; assign the role Staff to the user, or give the user the permission directly.\n",
    );
  });

  it('accepts a token with what the API requires; exit 0', async () => {
    const token = (await tool(['token', '--client', 'Inventory Service', '--audience', CATALOG])).stdout.trim();
    const run = await tool(['explain', token, '--audience', CATALOG, '--scope', 'write:stock']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'https://catalog.acme.test (Catalog API) would accept this token: issued and signed by this tenant, not expired, for this audience, with write:stock.\n',
    );
  });
});

describe('authmesh lint', () => {
  it('prints the matrix of the example tenant, with no findings; exit 0', async () => {
    const run = await runCli(['lint', '--config', EXAMPLE_CONFIG]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'client  Inventory Service    https://catalog.acme.test    read:products write:stock\n',
    );
    expect(run.stdout).toContain(
      'role    Staff                https://inventory.acme.test  adjust:inventory read:inventory\n',
    );
    expect(run.stdout).toContain('0 errors, 0 warnings\n');
  });

  it('flags what a reviewer would, each with its fix; exit 1 on errors', async () => {
    const run = await runCli(['lint', '--config', BAD_CONFIG]);
    expect(run.code).toBe(1);
    const findings = run.stdout.split('\n').filter((line) => /^(error|warning) /.test(line));
    expect(findings).toEqual([
      'error [grant-without-client-credentials] The client Billing Worker has a client grant for https://billing.lint.test, but its grant_types lack client_credentials: it can never use the grant.',
      'error [insecure-callback] The client Billing SPA allows http://billing.example.com/callback: plain http off the loopback address lets anyone on the network read the codes and tokens sent to it.',
      'warning [non-expiring-refresh-token] The client Billing SPA gets refresh tokens that never expire: a stolen one works forever.',
      'warning [rbac-without-permissions-dialect] Billing API enforces RBAC, but its token_dialect access_token puts no permissions claim in tokens.',
      'warning [unobtainable-scope] No one can obtain the scope refund:invoices of Billing API: no client grant gives it and, as the API enforces RBAC, no role or user holds it.',
    ]);
    expect(run.stdout).toContain(
      '  fix: Add client_credentials to the grant_types of Billing Worker, or remove the grant.\n',
    );
    expect(run.stdout).toContain('2 errors, 3 warnings\n');
  });

  it('exits 1 with the loader problems on a tenant.yaml that does not load', async () => {
    const run = await runCli(['lint', '--config', join(tmpdir(), 'no-such-authmesh-tenant.yaml')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('authmesh: ');
  });
});
