import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadTenantConfigFile } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';

/**
 * The Deploy CLI's `actions`, `triggers` and `actionModules` sections, in both of its formats: YAML with
 * `code: ./actions/<name>/code.js`, and the directory's `actions/<name>.json` + `actions/<name>/code.js`.
 */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'authmesh-actions-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function write(files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}

async function loadError(path: string, env: Record<string, string> = {}): Promise<ConfigError> {
  const error = await loadTenantConfigFile(path, env).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

const ADD_ROLES = [
  'exports.onExecutePostLogin = async (event, api) => {',
  "  api.idToken.setCustomClaim('https://example.test/roles', event.authorization?.roles ?? []);",
  "  api.accessToken.setCustomClaim('https://example.test/key', event.secrets.API_KEY);",
  '};',
  '',
].join('\n');

const TENANT_YAML = [
  'actions:',
  '  - name: add-roles',
  '    code: ./actions/add-roles/code.js',
  '    runtime: node22',
  '    deployed: true',
  '    status: built',
  '    dependencies:',
  '      - name: lodash',
  '        version: 4.17.21',
  '    secrets:',
  '      - name: API_KEY',
  '        value: ##ACTION_API_KEY##',
  '    supported_triggers:',
  '      - id: post-login',
  '        version: v3',
  'triggers:',
  '  post-login:',
  '    - action_name: add-roles',
  '      display_name: add-roles',
  '  credentials-exchange: []',
  '  send-phone-message: []',
  '',
].join('\n');

describe('actions in tenant.yaml', () => {
  it('reads each action with its code file (keywords replaced) and binds it to its trigger', async () => {
    await write({ 'tenant.yaml': TENANT_YAML, 'actions/add-roles/code.js': ADD_ROLES });
    const config = await loadTenantConfigFile(join(dir, 'tenant.yaml'), { ACTION_API_KEY: 'k-123' });
    expect(config.actions).toEqual([
      {
        name: 'add-roles',
        code: ADD_ROLES,
        codeFile: join(dir, 'actions/add-roles/code.js'),
        runtime: 'node22',
        dependencies: [{ name: 'lodash', version: '4.17.21' }],
        secrets: [{ name: 'API_KEY', value: 'k-123' }],
        supported_triggers: [{ id: 'post-login', version: 'v3' }],
      },
    ]);
    expect(config.triggers).toEqual({ 'post-login': ['add-roles'] });
  });

  it('keeps binding order and defaults the runtime as Auth0 does', async () => {
    const action = (name: string) =>
      [
        `  - name: ${name}`,
        `    code: ./actions/${name}.js`,
        '    supported_triggers: [{ id: credentials-exchange, version: v2 }]',
      ].join('\n');
    await write({
      'tenant.yaml': [
        'actions:',
        action('first'),
        action('second'),
        'triggers:',
        '  credentials-exchange: [{ action_name: second }, { action_name: first }]',
        '',
      ].join('\n'),
      'actions/first.js': 'exports.onExecuteCredentialsExchange = async () => {};\n',
      'actions/second.js': 'exports.onExecuteCredentialsExchange = async () => {};\n',
    });
    const config = await loadTenantConfigFile(join(dir, 'tenant.yaml'), {});
    expect(config.actions.map((a) => [a.name, a.runtime])).toEqual([
      ['first', 'node22'],
      ['second', 'node22'],
    ]);
    expect(config.triggers).toEqual({ 'credentials-exchange': ['second', 'first'] });
  });

  it('reports a syntax error in the code file at load, with the file and the line', async () => {
    await write({
      'tenant.yaml': TENANT_YAML,
      'actions/add-roles/code.js': 'exports.onExecutePostLogin = async (event, api) => {\n  const = 1;\n};\n',
    });
    const error = await loadError(join(dir, 'tenant.yaml'), { ACTION_API_KEY: 'k' });
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    const issue = error.issues.find((i) => i.message.includes('syntax error'));
    expect(issue?.path).toBe('actions[0].code (line 3)');
    expect(issue?.message).toContain(`${join(dir, 'actions/add-roles/code.js')} line 2, column`);
    expect(issue?.message).toContain('Unexpected token');
  });

  it('reports a missing code file with the path it looked for', async () => {
    await write({ 'tenant.yaml': TENANT_YAML });
    const error = await loadError(join(dir, 'tenant.yaml'), { ACTION_API_KEY: 'k' });
    expect(error.issues.map((i) => i.message)).toContain(
      `code file ${join(dir, 'actions/add-roles/code.js')} does not exist`,
    );
  });

  it('refuses a binding to a missing action, naming the closest declared one', async () => {
    await write({
      'tenant.yaml': TENANT_YAML.replace('    - action_name: add-roles', '    - action_name: add-role'),
      'actions/add-roles/code.js': ADD_ROLES,
    });
    const error = await loadError(join(dir, 'tenant.yaml'), { ACTION_API_KEY: 'k' });
    expect(error.issues).toEqual([
      {
        file: join(dir, 'tenant.yaml'),
        path: 'triggers["post-login"][0].action_name (line 18)',
        message: 'action `add-role` is not declared in actions. Did you mean `add-roles`?',
        fix: 'declare the action under `actions` or remove the binding',
      },
    ]);
  });

  it('refuses a binding to a trigger the action does not support, and an unknown trigger id', async () => {
    await write({
      'tenant.yaml': `${TENANT_YAML.replace('  credentials-exchange: []', '  credentials-exchange: [{ action_name: add-roles }]')}  post-logn: []\n`,
      'actions/add-roles/code.js': ADD_ROLES,
    });
    const error = await loadError(join(dir, 'tenant.yaml'), { ACTION_API_KEY: 'k' });
    expect(error.issues.map((i) => i.message)).toEqual([
      'action `add-roles` does not support credentials-exchange (its supported_triggers: `post-login`)',
      'unknown trigger `post-logn`. Did you mean `post-login`?',
    ]);
  });

  it('refuses an action for a trigger Auth0 does not have; one authmesh does not run is a warning', async () => {
    await write({
      'tenant.yaml': [
        'actions:',
        '  - name: a',
        '    code: ./a.js',
        '    supported_triggers: [{ id: post-logon, version: v3 }]',
        '  - name: sms',
        '    code: ./a.js',
        '    supported_triggers: [{ id: send-phone-message, version: v2 }, { id: post-login, version: v2 }]',
        '',
      ].join('\n'),
      'a.js': 'exports.onExecutePostLogin = async () => {};\n',
    });
    const error = await loadError(join(dir, 'tenant.yaml'));
    expect(error.issues.map((i) => [i.path, i.message])).toEqual([
      ['actions[0].supported_triggers[0].id (line 4)', 'unknown trigger `post-logon`. Did you mean `post-login`?'],
    ]);
    await write({
      'tenant.yaml': (await readFile(join(dir, 'tenant.yaml'), 'utf8')).replace('post-logon', 'post-login'),
    });
    const config = await loadTenantConfigFile(join(dir, 'tenant.yaml'), {});
    expect(config.actions.find((a) => a.name === 'sms')?.supported_triggers).toEqual([
      { id: 'post-login', version: 'v2' },
    ]);
    expect(
      config.warnings.some((w) => w.includes('trigger `send-phone-message` of action `sms` is not emulated')),
    ).toBe(true);
    expect(config.warnings.some((w) => w.includes('declares post-login v2; authmesh runs it with the v3 event'))).toBe(
      true,
    );
  });

  it('refuses to bind an action written with deployed: false', async () => {
    await write({
      'tenant.yaml': TENANT_YAML.replace('deployed: true', 'deployed: false'),
      'actions/add-roles/code.js': ADD_ROLES,
    });
    const error = await loadError(join(dir, 'tenant.yaml'), { ACTION_API_KEY: 'k' });
    expect(error.issues.map((i) => i.message)).toEqual([
      'action `add-roles` is not deployed (`deployed: false` at actions[0].deployed (line 5))',
    ]);
  });

  it('warns about the placeholder Auth0 exports instead of a secret value, without failing', async () => {
    await write({
      'tenant.yaml': TENANT_YAML.replace('##ACTION_API_KEY##', '_VALUE_NOT_SHOWN_'),
      'actions/add-roles/code.js': ADD_ROLES,
    });
    const config = await loadTenantConfigFile(join(dir, 'tenant.yaml'), {});
    expect(config.warnings.some((w) => w.includes('write `value: ##API_KEY##`'))).toBe(true);
  });
});

describe('actions in the directory format', () => {
  it('reads actions/<name>.json with its code.js, triggers/triggers.json and action-modules', async () => {
    await write({
      'actions/add-roles.json': JSON.stringify(
        {
          name: 'add-roles',
          code: './actions/add-roles/code.js',
          runtime: 'node18',
          status: 'built',
          dependencies: [],
          secrets: [{ name: 'API_KEY', value: '##ACTION_API_KEY##' }],
          supported_triggers: [{ id: 'post-login', version: 'v3' }],
          deployed: true,
        },
        null,
        2,
      ),
      'actions/add-roles/code.js': ADD_ROLES,
      'action-modules/helpers.json': JSON.stringify({ name: 'helpers', code: './action-modules/helpers/code.js' }),
      'action-modules/helpers/code.js': 'module.exports = {};\n',
      'triggers/triggers.json': JSON.stringify(
        {
          'post-login': [{ action_name: 'add-roles', display_name: 'add-roles' }],
          'credentials-exchange': [],
          'send-phone-message': [],
        },
        null,
        2,
      ),
    });
    const config = await loadTenantConfigFile(dir, { ACTION_API_KEY: 'k-9' });
    expect(config.actions.map((a) => [a.name, a.runtime, a.code, a.codeFile, a.secrets])).toEqual([
      ['add-roles', 'node18', ADD_ROLES, join(dir, 'actions/add-roles/code.js'), [{ name: 'API_KEY', value: 'k-9' }]],
    ]);
    expect(config.triggers).toEqual({ 'post-login': ['add-roles'] });
    expect(config.warnings.includes('actionModules: 1 entry, not emulated')).toBe(true);
  });

  it('names triggers/triggers.json and the line of a binding to a missing action', async () => {
    await write({
      'triggers/triggers.json': '{\n  "post-login": [\n    { "action_name": "nope" }\n  ]\n}\n',
    });
    const error = await loadError(dir);
    expect(error.issues).toEqual([
      {
        file: join(dir, 'triggers/triggers.json'),
        path: '["post-login"][0].action_name (line 3)',
        message: 'action `nope` is not declared in actions',
        fix: 'declare the action under `actions` or remove the binding',
      },
    ]);
  });
});
