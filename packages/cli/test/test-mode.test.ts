import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Banner, CATALOG, CliProcess, decodeJwt, EXAMPLE_CONFIG, killLeftovers, runCli } from './support/cli.ts';

/* `authmesh dev --test-mode`: the control API tests use, behind a token printed once at start; never in serve. */
let data: string;
let dev: CliProcess;
let banner: Banner;
let token: string;
beforeAll(async () => {
  data = await mkdtemp(join(tmpdir(), 'authmesh-test-mode-'));
  dev = new CliProcess(['dev', '--config', EXAMPLE_CONFIG, '--port', '0', '--data', data, '--test-mode']);
  banner = await dev.banner();
  await dev.until(() => /test mode: .* Bearer \S+\n/.test(dev.stdout), 'the test-mode line');
  token = /Bearer (\S+)\n/.exec(dev.stdout)?.[1] ?? '';
});
afterAll(async () => {
  if (dev && !dev.exit) await dev.stop('SIGINT');
  await killLeftovers();
  await rm(data, { recursive: true, force: true });
});

const control = (method: 'POST' | 'PATCH', route: string, body: unknown, bearer = token) =>
  fetch(new URL(`__authmesh/test/${route}`, banner.issuer), {
    method,
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('authmesh dev --test-mode', () => {
  it('prints where the control API is and a random per-run token', () => {
    expect(dev.stdout).toContain(`test mode: ${banner.issuer}__authmesh/test/ with Authorization: Bearer `);
    expect(token).toMatch(/^[\w-]{43}$/);
  });

  it('refuses the control API without the token', async () => {
    expect((await control('POST', 'reset', {}, 'wrong-token')).status).toBe(401);
  });

  it('adds a user with a role, changes its permissions, and resets', async () => {
    const created = await control('POST', 'users', {
      email: 'temp@acme.test',
      password: 'temp-user-password',
      roles: ['Staff'],
    });
    expect(created.status).toBe(201);
    const login = (audience: string) =>
      runCli([
        'token',
        '--config',
        EXAMPLE_CONFIG,
        '--data',
        data,
        '--client',
        'Acme Shop SPA',
        '--user',
        'temp@acme.test',
        '--password',
        'temp-user-password',
        '--audience',
        audience,
      ]);
    const staff = await login('https://inventory.acme.test');
    expect(decodeJwt(staff.stdout.trim()).payload.permissions).toEqual(['adjust:inventory', 'read:inventory']);

    const changed = await control('PATCH', 'users', {
      email: 'temp@acme.test',
      roles: [],
      permissions: [{ permission_name: 'write:stock', resource_server_identifier: CATALOG }],
    });
    expect(changed.status).toBe(200);
    expect(decodeJwt((await login(CATALOG)).stdout.trim()).payload.permissions).toEqual(['write:stock']);

    expect((await control('POST', 'reset', {})).status).toBe(200);
    const afterReset = await login(CATALOG);
    expect(afterReset.code).toBe(1);
    expect(afterReset.stderr).toContain('authmesh: the login of temp@acme.test did not reach the app');
  });
});

describe('authmesh serve --test-mode', () => {
  it('is a usage error: production tenants have no test mode', async () => {
    const run = await runCli([
      'serve',
      '--config',
      EXAMPLE_CONFIG,
      '--issuer',
      'https://id.example.com/',
      '--test-mode',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('authmesh: serve has no test mode: use authmesh dev --test-mode in tests');
  });
});
