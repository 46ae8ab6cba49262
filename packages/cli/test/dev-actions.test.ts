import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliProcess, clientCredentials, clientNamed, decodeJwt, killLeftovers } from './support/cli.ts';

const CATALOG = 'https://catalog.acme.test';
const ACTION = (greeting: string) => `exports.onExecuteCredentialsExchange = async (event, api) => {
  console.log('${greeting}', event.client.name);
  api.accessToken.setCustomClaim('https://acme.test/greeting', '${greeting}');
};
`;

/**
 * `authmesh dev` with an action in its tenant file: the action's console lines are printed tagged with the
 * action and the trigger, and an edit of its file takes effect at the next token, without a restart.
 */
describe('authmesh dev runs the Actions of its tenant file', () => {
  let dir: string;
  let cli: CliProcess | undefined;

  afterAll(async () => {
    await cli?.stop();
    await killLeftovers();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints [action <name> <trigger>] lines and picks up an edited action file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'authmesh-dev-actions-'));
    const code = join(dir, 'actions', 'greet.js');
    await mkdir(join(dir, 'actions'));
    await writeFile(code, ACTION('hello'));
    const file = join(dir, 'tenant.yaml');
    await writeFile(
      file,
      [
        'resourceServers:',
        '  - name: Catalog API',
        `    identifier: ${CATALOG}`,
        '    scopes: [{ value: read:products }]',
        'clients:',
        '  - name: Orders Service',
        '    app_type: non_interactive',
        'clientGrants:',
        '  - client_id: Orders Service',
        `    audience: ${CATALOG}`,
        '    scope: [read:products]',
        'actions:',
        '  - name: greet',
        '    code: ./actions/greet.js',
        '    runtime: node22',
        '    deployed: true',
        '    supported_triggers: [{ id: credentials-exchange, version: v2 }]',
        'triggers:',
        '  credentials-exchange:',
        '    - { action_name: greet, display_name: Greet }',
        '',
      ].join('\n'),
    );
    cli = new CliProcess(['dev', '--config', file, '--port', '0', '--data', join(dir, 'state')]);
    const banner = await cli.banner();
    const orders = clientNamed(banner, 'Orders Service');

    const first = await clientCredentials(banner.issuer, orders, CATALOG);
    expect(first.status, first.text).toBe(200);
    expect(decodeJwt(first.json.access_token as string).payload['https://acme.test/greeting']).toBe('hello');
    await cli.until(
      () => cli?.stdout.includes('[action greet credentials-exchange] hello Orders Service') ?? false,
      'the action line',
    );

    await writeFile(code, ACTION('bonjour'));
    const later = new Date(Date.now() + 5_000);
    await utimes(code, later, later);
    const second = await clientCredentials(banner.issuer, orders, CATALOG);
    expect(decodeJwt(second.json.access_token as string).payload['https://acme.test/greeting']).toBe('bonjour');
    await cli.until(
      () => cli?.stdout.includes('[action greet credentials-exchange] bonjour Orders Service') ?? false,
      'the edited action line',
    );
  });
});
