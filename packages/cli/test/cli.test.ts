import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loginForCode } from '@authmesh/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Banner,
  BIN_SCRIPT,
  CATALOG,
  CliProcess,
  CUSTOMER,
  clientCredentials,
  clientNamed,
  decodeJwt,
  discovery,
  EXAMPLE_CONFIG,
  freePort,
  jwksKids,
  killLeftovers,
  NOISE,
  REPO,
  runCli,
  SPA,
  tokenRequest,
  tryConnect,
} from './support/cli.ts';

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'authmesh-cli-test-'));
  tempDirs.push(dir);
  return dir;
}

afterAll(async () => {
  await killLeftovers();
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

function expectQuiet(output: string): void {
  for (const noise of NOISE) expect(output).not.toContain(noise);
}

const M2M = ['Orders Service', 'Inventory Service'] as const;

describe('authmesh dev --config examples/tenant.yaml --port 0', () => {
  let cli: CliProcess;
  let banner: Banner;
  let discovered: Record<string, unknown>;
  let readyMs: number;

  beforeAll(async () => {
    const data = await tempDir();
    cli = new CliProcess(['dev', '--config', 'examples/tenant.yaml', '--port', '0', '--data', data]);
    banner = await cli.banner();
    discovered = await discovery(banner.issuer);
    readyMs = performance.now() - cli.spawnedAt;
  });

  afterAll(async () => {
    if (cli && !cli.exit) await cli.stop('SIGINT');
  });

  it('prints the issuer as http://localhost:<port>/, with the trailing slash', () => {
    expect(banner.issuer).toMatch(/^http:\/\/localhost:\d+\/$/);
    expect(banner.port).toBeGreaterThan(0);
    expect(banner.issuer).toBe(`http://localhost:${banner.port}/`);
    expect(banner.text).toContain(`discovery  ${banner.issuer}.well-known/openid-configuration`);
  });

  it('prints the console URL and serves the console to this machine (docs/console.md)', async () => {
    expect(banner.text).toContain(`console    ${banner.issuer}console  (this machine only)`);
    const session = await fetch(new URL('console/api/session', banner.issuer));
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ mode: 'loopback', include_tokens: true });
  });

  it("prints every application's name and client_id, and a generated secret only for the M2M clients", () => {
    expect(banner.clients.map((c) => c.name)).toEqual([
      'Acme Shop SPA',
      'Orders Service',
      'Orders API (client)',
      'Inventory Service',
    ]);
    const spa = clientNamed(banner, 'Acme Shop SPA');
    expect(spa).toEqual({ name: 'Acme Shop SPA', app_type: 'spa', client_id: SPA.clientId });
    expect(spa.client_secret).toBeUndefined();
    for (const name of M2M) {
      const m2m = clientNamed(banner, name);
      expect(m2m.app_type).toBe('non_interactive');
      expect(m2m.client_id).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(m2m.client_secret).toMatch(/^[A-Za-z0-9_-]{48,}$/);
    }
    // The Orders API's own Custom API client (token exchange on a user's behalf) is confidential too.
    const ordersApi = clientNamed(banner, 'Orders API (client)');
    expect(ordersApi.app_type).toBe('resource_server');
    expect(ordersApi.client_secret).toMatch(/^[A-Za-z0-9_-]{48,}$/);
    const [orders, inventory] = M2M.map((name) => clientNamed(banner, name));
    expect(orders?.client_id).not.toBe(inventory?.client_id);
    expect(orders?.client_secret).not.toBe(inventory?.client_secret);
  });

  it('prints both users of tenant.yaml', () => {
    expect(banner.users.map((u) => u.email)).toEqual(['customer@acme.test', 'staff@acme.test']);
    for (const user of banner.users) expect(user.user_id).toMatch(/^auth0\|/);
  });

  it('answers discovery with the printed issuer; the ready time is measured from spawn', () => {
    expect(discovered.issuer).toBe(banner.issuer);
    expect(discovered.token_endpoint).toBe(`${banner.issuer}oauth/token`);
    expect(typeof readyMs).toBe('number');
    expect(Number.isFinite(readyMs)).toBe(true);
    expect(Number.isFinite(banner.readyMs)).toBe(true);
    console.log(
      `authmesh ready: ${Math.round(readyMs)} ms from spawn to the first successful discovery answer ` +
        `(the banner reports ${banner.readyMs} ms inside the process)`,
    );
  });

  it('the printed M2M credentials obtain client-credentials tokens for https://catalog.acme.test', async () => {
    const kids = await jwksKids(banner.issuer);
    for (const [name, scope] of [
      ['Orders Service', 'read:products'],
      ['Inventory Service', 'read:products write:stock'],
    ] as const) {
      const client = clientNamed(banner, name);
      const answer = await clientCredentials(banner.issuer, client, CATALOG);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json.token_type).toBe('Bearer');
      expect(answer.json.scope).toBe(scope);
      const { header, payload } = decodeJwt(answer.json.access_token as string);
      expect(kids).toContain(header.kid);
      expect(payload.iss).toBe(banner.issuer);
      expect(payload.aud).toBe(CATALOG);
      expect(payload.sub).toBe(`${client.client_id}@clients`);
    }
  });

  it('a wrong printed secret is not accepted (the check above is not vacuous)', async () => {
    const orders = clientNamed(banner, 'Orders Service');
    const answer = await clientCredentials(banner.issuer, { ...orders, client_secret: 'not-the-secret' }, CATALOG);
    expect(answer.status).toBe(401);
    expect(answer.json.error).toBe('access_denied');
  });

  it('a user logs in through the SPA and gets tokens, and nothing prints an ExperimentalWarning or oidc-provider WARNING', async () => {
    const { code, verifier } = await loginForCode({
      issuer: banner.issuer,
      clientId: SPA.clientId,
      redirectUri: SPA.redirectUri,
      ...CUSTOMER,
      scope: 'openid profile email read:products',
      audience: CATALOG,
    });
    const tokens = await tokenRequest(banner.issuer, {
      grant_type: 'authorization_code',
      client_id: SPA.clientId,
      code,
      code_verifier: verifier,
      redirect_uri: SPA.redirectUri,
    });
    expect(tokens.status, tokens.text).toBe(200);
    expect(decodeJwt(tokens.json.access_token as string).payload.permissions).toEqual(['read:products']);
    expectQuiet(cli.output);
    expect(cli.stderr).toBe('');
  });
});

describe('stopping', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s stops the tenant with exit code 0 and frees the port', async (signal) => {
    const cli = new CliProcess(['dev', '--config', EXAMPLE_CONFIG, '--port', '0', '--data', await tempDir()]);
    const { issuer, port } = await cli.banner();
    // Leave an idle keep-alive connection in fetch's pool: shutdown must not wait for it.
    expect((await discovery(issuer)).issuer).toBe(issuer);
    expect(await tryConnect(port)).toBe('connected');

    const exit = await cli.stop(signal);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toContain(`authmesh: ${signal} received, stopping`);
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
    expectQuiet(cli.output);
    expect(cli.stderr).toBe('');
  });
});

describe('restart with the same --data', () => {
  it('prints the same generated client ids, the secrets only the first time, and keeps the signing key', async () => {
    const data = await tempDir();
    const args = ['dev', '--config', EXAMPLE_CONFIG, '--port', '0', '--data', data];

    const first = new CliProcess(args);
    const before = await first.banner();
    const kidsBefore = await jwksKids(before.issuer);
    const orders = clientNamed(before, 'Orders Service');
    const tokenBefore = await clientCredentials(before.issuer, orders, CATALOG);
    expect(tokenBefore.status, tokenBefore.text).toBe(200);
    expect((await first.stop('SIGINT')).code).toBe(0);
    expect(existsSync(join(data, 'tenant.db'))).toBe(true);

    const second = new CliProcess(args);
    const after = await second.banner();
    expect(after.clients).toEqual(before.clients.map(({ client_secret: _, ...client }) => client));
    expect(after.users).toEqual(before.users);
    // Orders Service, Inventory Service and the Orders API's own client (on-behalf-of exchange).
    expect(before.clients.filter((c) => c.client_secret).length).toBe(3);
    // The restart generated no secret: it says they are set, and prints neither.
    expect(
      after.text.match(/^ {6}client_secret {2}\(set; authmesh export --include-secrets shows it\)$/gm),
    ).toHaveLength(3);
    for (const client of before.clients)
      if (client.client_secret) expect(after.text).not.toContain(client.client_secret);
    const kidsAfter = await jwksKids(after.issuer);
    expect(kidsAfter).toEqual(kidsBefore);

    // The credentials printed by the first run still work against the second.
    const tokenAfter = await clientCredentials(after.issuer, orders, CATALOG);
    expect(tokenAfter.status, tokenAfter.text).toBe(200);
    expect(decodeJwt(tokenAfter.json.access_token as string).header.kid).toBe(
      decodeJwt(tokenBefore.json.access_token as string).header.kid,
    );
    expect((await second.stop('SIGINT')).code).toBe(0);
  });
});

describe('--issuer', () => {
  it('--issuer http://127.0.0.1:<port>/ is the issuer of discovery, the banner and the tokens', async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}/`;
    const cli = new CliProcess([
      'dev',
      '--config',
      EXAMPLE_CONFIG,
      '--port',
      String(port),
      '--issuer',
      issuer,
      '--data',
      await tempDir(),
    ]);
    const banner = await cli.banner();
    expect(banner.issuer).toBe(issuer);
    expect(banner.port).toBe(port);
    const doc = await discovery(issuer);
    expect(doc.issuer).toBe(issuer);
    expect(doc.authorization_endpoint).toBe(`${issuer}authorize`);
    const token = await clientCredentials(issuer, clientNamed(banner, 'Orders Service'), CATALOG);
    expect(token.status, token.text).toBe(200);
    expect(decodeJwt(token.json.access_token as string).payload.iss).toBe(issuer);
    expect((await cli.stop('SIGINT')).code).toBe(0);
  });
});

describe('errors the user can fix', () => {
  afterEach(killLeftovers);

  it('without --config: exit code 2 and the usage on stderr', async () => {
    const run = await runCli(['dev']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--config <tenant.yaml> is required');
    expect(run.stderr).toContain('Usage: authmesh <command> [options]');
    expect(run.stdout).toBe('');
  });

  it('an unknown flag: exit code 2, naming the flag', async () => {
    const run = await runCli(['dev', '--config', EXAMPLE_CONFIG, '--prot', '4000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("'--prot'");
    expect(run.stderr).toContain('Usage: authmesh');
  });

  it('a config file that does not exist: exit code 1 and a message naming the path', async () => {
    const data = await tempDir();
    const missing = join(data, 'no-such-tenant.yaml');
    const run = await runCli(['dev', '--config', missing, '--port', '0', '--data', join(data, 'state')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(missing);
    expect(run.stderr).toMatch(/does not exist/);
    expect(run.stdout).toBe('');
    expect(existsSync(join(data, 'state'))).toBe(false);
  });

  it('an invalid tenant.yaml: exit code 1, the file, the path and a fix; nothing listens and nothing is stored', async () => {
    const dir = await tempDir();
    const file = join(dir, 'tenant.yaml');
    await writeFile(
      file,
      [
        'resourceServers:',
        '  - name: Catalog API',
        '    identifier: https://catalog.acme.test',
        '    scopes: [{ value: read:products }]',
        'clients:',
        '  - name: Orders Service',
        '    app_type: non_interactive',
        'clientGrants:',
        '  - client_id: Billing Service',
        '    audience: https://catalog.acme.test',
        '    scope: [read:products]',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    const data = join(dir, 'state');
    const run = await runCli(['dev', '--config', file, '--port', String(port), '--data', data]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(file);
    expect(run.stderr).toContain('clientGrants[0].client_id');
    expect(run.stderr).toContain('Billing Service');
    expect(run.stderr).toMatch(/fix: /);
    expect(run.stdout).not.toContain('ready');
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
    expect(existsSync(join(data, 'tenant.db'))).toBe(false);
  });

  it('a port already in use: exit code 1 with a message naming the address', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    try {
      const data = await tempDir();
      const run = await runCli(['dev', '--config', EXAMPLE_CONFIG, '--port', String(address.port), '--data', data]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`authmesh: cannot listen on 127.0.0.1:${address.port}`);
      expect(run.stderr).toMatch(/EADDRINUSE|in use/);
      expect(run.stderr).not.toMatch(/\n\s+at /); // one clear message, no stack trace
      expect(run.stdout).toBe('');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('--help: exit code 0 and the usage on stdout', async () => {
    for (const flag of ['--help', '-h']) {
      const run = await runCli([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Usage: authmesh <command> [options]');
      expect(run.stdout).toContain('--config <path>');
      expect(run.stdout).toContain('--keywords <file>');
      expect(run.stderr).toBe('');
    }
  });

  it('--version prints 0.1.0, the version of @authmesh/cli', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'packages/cli/package.json'), 'utf8')) as { version: string };
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('0.1.0');
    expect(run.stdout.trim()).toBe(pkg.version);
  });

  it('no run prints an ExperimentalWarning or an oidc-provider WARNING', async () => {
    const runs = await Promise.all([runCli(['--version']), runCli(['dev']), runCli(['--help'])]);
    for (const run of runs) expectQuiet(`${run.stdout}\n${run.stderr}`);
  });
});

const OLD_NODE = '/usr/bin/node';
function oldNodeMajor(): number | undefined {
  if (!existsSync(OLD_NODE)) return undefined;
  try {
    const major = Number(execFileSync(OLD_NODE, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }));
    return major < 24 ? major : undefined;
  } catch {
    return undefined;
  }
}
const oldMajor = oldNodeMajor();

describe('on an older Node', () => {
  it.skipIf(oldMajor === undefined)(`${OLD_NODE} (Node < 24) gets a clear message and exit code 1`, async () => {
    const cli = new CliProcess(['dev', '--config', EXAMPLE_CONFIG, '--port', '0'], {
      command: OLD_NODE,
      commandArgs: [BIN_SCRIPT],
    });
    const exit = await cli.waitForExit();
    expect(exit.code).toBe(1);
    expect(cli.stderr).toContain('authmesh needs Node.js 24 or later');
    expect(cli.stderr).toContain(`this is v${oldMajor}.`);
    expect(cli.stderr).not.toMatch(/SyntaxError|ERR_/);
    expect(cli.stdout).toBe('');
  });
});

describe('while starting', () => {
  it('a request that reaches the port while the tenant starts is answered, not left hanging', async () => {
    const port = await freePort();
    const cli = new CliProcess(['dev', '--config', EXAMPLE_CONFIG, '--port', String(port), '--data', await tempDir()]);
    try {
      let status: number | undefined;
      // Retry only while the port refuses connections; the first request that connects must be answered.
      for (;;) {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`, {
            signal: AbortSignal.timeout(5_000),
          });
          status = response.status;
          await response.body?.cancel();
          break;
        } catch (error) {
          const code = (error as { cause?: { code?: string } }).cause?.code;
          if (code !== 'ECONNREFUSED' || cli.exit) throw error;
        }
      }
      expect(status).toBeGreaterThanOrEqual(200);
    } finally {
      await cli.stop('SIGINT');
    }
  });
});
