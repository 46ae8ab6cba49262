import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadTenantConfigFile } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';

/** The Deploy CLI directory format: the same validation as tenant.yaml, messages naming the JSON file and line. */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'authmesh-dir-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function write(files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}

async function loadError(env: Record<string, string> = {}): Promise<ConfigError> {
  const error = await loadTenantConfigFile(dir, env).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

const API = JSON.stringify({ name: 'Orders', identifier: 'https://orders.test', scopes: [{ value: 'read:orders' }] });

describe('directory format', () => {
  it('reads tenant.json, clients, resource servers, grants and roles, in file-name order', async () => {
    await write({
      'tenant.json': '{ "friendly_name": "Dir", "session_lifetime": 100, "flags": {} }',
      'clients/b.json': '{ "name": "Worker", "app_type": "non_interactive" }',
      'clients/a.json': '{ "name": "Default App", "callbacks": [] }',
      'clients/empty.json': '{}',
      'resource-servers/Orders.json': API,
      'grants/Worker.json': '{ "client_id": "Worker", "audience": "https://orders.test", "scope": ["read:orders"] }',
      'roles/Reader.json':
        '{ "name": "Reader", "permissions": [{ "permission_name": "read:orders", "resource_server_identifier": "https://orders.test" }] }',
      'emails/verify_email.json': '{}',
      'emails/verify_email.html': '<p>hi</p>',
      'README.md': 'notes',
    });
    const config = await loadTenantConfigFile(dir, {});
    expect(config.source).toBe(dir);
    expect(config.tenant.friendly_name).toBe('Dir');
    expect(config.tenant.session_lifetime).toBe(100);
    expect(config.clients.map((c) => c.name)).toEqual(['Default App', 'Worker']);
    expect(config.clients[0]?.app_type).toBeUndefined();
    expect(config.clientGrants).toEqual([
      { client_id: 'Worker', audience: 'https://orders.test', scope: ['read:orders'] },
    ]);
    expect(config.roles.map((r) => r.name)).toEqual(['Reader']);
    expect(config.warnings).toContain('emailTemplates: 1 entry, not emulated');
    expect(config.warnings).toContain('README.md: not a folder or file of the Deploy CLI directory format, ignored');
  });

  it('names the JSON file, the path inside it and the line of the key, with a fix', async () => {
    await write({
      'resource-servers/Orders.json': API,
      'clients/Worker.json': [
        '{',
        '  "name": "Worker",',
        '  "app_type": "non_interactive",',
        '  "grant_typez": []',
        '}',
      ].join('\n'),
      'grants/Worker.json': [
        '{',
        '  "client_id": "Worker",',
        '  "audience": "https://orders.test",',
        '  "scope": ["read:orders", "delete:orders"]',
        '}',
      ].join('\n'),
      'tenant.json': '{\n  "session_lifetime": "long"\n}',
    });
    const error = await loadError();
    expect(error.issues.map((i) => [i.file, i.path])).toEqual([
      [join(dir, 'clients/Worker.json'), 'grant_typez (line 4)'],
      [join(dir, 'grants/Worker.json'), 'scope[1] (line 4)'],
      [join(dir, 'tenant.json'), 'session_lifetime (line 2)'],
    ]);
    expect(error.issues[0]?.message).toMatch(/unknown field `grant_typez`\. Did you mean `grant_types`\?/);
    expect(error.issues[0]?.fix).toBe('rename `grant_typez` to `grant_types`');
    expect(error.issues[1]?.message).toMatch(/delete:orders/);
    for (const issue of error.issues) expect(issue.fix.length).toBeGreaterThan(0);
  });

  it('names a duplicate with the file of the first one', async () => {
    await write({
      'clients/one.json': '{ "name": "Same", "app_type": "spa", "callbacks": ["http://localhost:3000"] }',
      'clients/two.json': '{\n  "name": "Same",\n  "app_type": "spa"\n}',
    });
    const error = await loadError();
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.file).toBe(join(dir, 'clients/two.json'));
    expect(error.issues[0]?.path).toBe('name (line 2)');
    expect(error.issues[0]?.message).toBe('client name `Same` is already used by clients/one.json: name (line 1)');
  });

  it('reports broken JSON with its file and line, never quoting the text', async () => {
    await write({
      'clients/a.json': '{\n  "name": "A",\n  "client_secret": "s3cr3t-value-that-must-not-leak-0000",\n}',
      'clients/b.json': '{ "name": "B", "client_secret": tru }',
    });
    const error = await loadError();
    expect(error.code).toBe('ERR_CONFIG_PARSE');
    expect(error.issues.map((i) => [i.file, i.path])).toEqual([
      [join(dir, 'clients/a.json'), 'line 4'],
      [join(dir, 'clients/b.json'), ''],
    ]);
    expect(error.issues[0]?.message).toBe(
      'JSON syntax error at line 4, column 1: Expected double-quoted property name',
    );
    expect(error.message).not.toMatch(/s3cr3t|tru\b/);
  });

  it('replaces keywords in every file, lists included', async () => {
    await write({
      'clients/spa.json': '{ "name": "SPA ##ENV##", "app_type": "spa", "callbacks": "@@CALLBACKS@@" }',
    });
    const config = await loadTenantConfigFile(dir, { ENV: 'dev', CALLBACKS: '["http://localhost:3000/cb"]' });
    expect(config.clients[0]).toMatchObject({ name: 'SPA dev', callbacks: ['http://localhost:3000/cb'] });
  });

  it('hands database-connections/*/database.json and connections/*.json to the connections parser', async () => {
    await write({
      'clients/web.json': '{ "name": "Web", "app_type": "regular_web", "callbacks": ["http://localhost:3000/cb"] }',
      'database-connections/members/database.json':
        '{ "name": "members", "strategy": "auth0", "enabled_clients": ["Web"], "options": { "passwordPolicy": "fair" } }',
      'database-connections/members/login.js': 'function login() {}',
      'connections/github.json': '{ "name": "github", "strategy": "github", "enabled_clients": ["Web"] }',
    });
    const config = await loadTenantConfigFile(dir, {});
    expect(config.connections.map((c) => c.name).sort()).toEqual(['github', 'members']);
  });
});
