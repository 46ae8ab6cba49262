import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { fixtureConfig } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { TenantConfig } from '../../src/config/types.ts';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import { MANAGEMENT_API_SCOPES, managementApiIdentifier } from '../../src/tenant/management-api.ts';
import { ensureLocalCertificates, type LocalCertificates } from '../../src/tls/local-ca.ts';
import { freePort } from './support.ts';

/*
 * The Auth0 Deploy CLI (`a0deploy`, npm auth0-deploy-cli), unchanged, with its DEFAULT configuration (no
 * AUTH0_INCLUDED_ONLY, no AUTH0_EXCLUDED) against the tenant over HTTPS: export, edit the tenant.yaml,
 * import, export again. The second export is the edited file, and nothing else changed. Like node-auth0,
 * the CLI trusts the local CA through NODE_EXTRA_CA_CERTS, read at process start: it runs as a child
 * process, as users run it.
 */

const A0DEPLOY = join(dirname(createRequire(import.meta.url).resolve('auth0-deploy-cli/package.json')), 'lib/index.js');
const DEPLOYER = {
  name: 'Deploy CLI',
  clientId: 'deploy-cli-0001',
  clientSecret: 'deploy-cli-secret-0123456789abcdef0123456789abcd',
};
const CATALOG = 'https://catalog.example.test';

let workDir: string;
let tls: LocalCertificates;
let tenant: Tenant;

function deployConfig(issuer: string): TenantConfig {
  const base = fixtureConfig();
  const machine = base.clients.find((c) => c.app_type === 'non_interactive');
  if (!machine) throw new Error('fixture has no machine-to-machine client');
  return {
    ...base,
    clients: [
      ...base.clients,
      { ...machine, name: DEPLOYER.name, client_id: DEPLOYER.clientId, client_secret: DEPLOYER.clientSecret },
    ],
    clientGrants: [
      ...base.clientGrants,
      { client_id: DEPLOYER.name, audience: managementApiIdentifier(issuer), scope: [...MANAGEMENT_API_SCOPES] },
    ],
  };
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'authmesh-a0deploy-'));
  tls = await ensureLocalCertificates(join(workDir, 'tls'));
  const port = await freePort();
  const issuer = `https://localhost:${port}/`;
  tenant = await createTenant({
    config: deployConfig(issuer),
    port,
    https: { cert: tls.cert, key: tls.key },
    dataDir: join(workDir, 'data'),
  });
  // The Deploy CLI's own config file, as a team keeps it next to tenant.yaml.
  await writeFile(
    join(workDir, 'config.json'),
    JSON.stringify({
      AUTH0_DOMAIN: new URL(issuer).host,
      AUTH0_CLIENT_ID: DEPLOYER.clientId,
      AUTH0_CLIENT_SECRET: DEPLOYER.clientSecret,
    }),
  );
});
afterAll(async () => {
  await tenant?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  output: string;
}

function a0deploy(...args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_EXTRA_CA_CERTS: tls.caCertPath };
  delete env.NODE_OPTIONS; // nothing of the test runner leaks into the CLI
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [A0DEPLOY, ...args, '-c', join(workDir, 'config.json')], {
      env,
      cwd: workDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The lines the CLI logged at level `error` (its logger prints `<time> - error: …`). */
function errorLines(run: Run): string[] {
  return stripVTControlCharacters(run.output)
    .split('\n')
    .filter((line) => / - error: /.test(line));
}

async function exportTenant(name: string): Promise<TenantYaml> {
  const dir = join(workDir, name);
  const run = await a0deploy('export', '--format', 'yaml', '--output_folder', dir);
  expect(run.code, run.output).toBe(0);
  expect(errorLines(run)).toEqual([]);
  return parse(await readFile(join(dir, 'tenant.yaml'), 'utf8')) as TenantYaml;
}

type Entry = Record<string, unknown>;
interface TenantYaml extends Record<string, unknown> {
  clients: Entry[];
  resourceServers: (Entry & { identifier: string; scopes: Entry[] })[];
  clientGrants: (Entry & { client_id: string; audience: string })[];
  roles: (Entry & { name: string; permissions: Entry[] })[];
  databases: (Entry & { name: string; options?: Entry })[];
  tenant: Entry;
}

/** The export with its lists in a fixed order, so that two exports compare by content. */
function normalised(doc: TenantYaml): TenantYaml {
  const by = (key: (e: Entry) => string) => (a: Entry, b: Entry) => key(a).localeCompare(key(b));
  return {
    ...doc,
    clients: [...doc.clients].sort(by((c) => String(c.name))),
    resourceServers: [...doc.resourceServers].sort(by((r) => String(r.identifier))),
    clientGrants: [...doc.clientGrants].sort(by((g) => `${g.client_id} ${g.audience}`)),
    roles: [...doc.roles].sort(by((r) => String(r.name))),
  };
}

/** POST /oauth/token over HTTPS with the local CA (this process was not started with NODE_EXTRA_CA_CERTS). */
function httpsJson(path: string, init: { method: string; headers?: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
    const req = request(new URL(path, tenant.issuer), { ...init, ca: tls.caCert }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} }));
    });
    req.once('error', reject);
    req.end(init.body);
  });
}

async function clientCredentials(clientId: string, clientSecret: string, audience: string) {
  return httpsJson('oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      audience,
    }).toString(),
  });
}

/** An action as a team writes it: code in its own file, as the Deploy CLI exports it. */
const ACTION_CODE = [
  'exports.onExecutePostLogin = async (event, api) => {',
  "  api.idToken.setCustomClaim('https://shop.example.test/roles', event.authorization?.roles ?? []);",
  '};',
  '',
].join('\n');

describe('a0deploy export → edit → import → export, default configuration', () => {
  it('round-trips clients, APIs, grants, roles, tenant settings, database connections and actions', async () => {
    const first = await exportTenant('export-1');
    expect(first.clients.map((c) => c.name)).toEqual(expect.arrayContaining(['Shop SPA', 'Orders Service']));
    expect(first.databases.map((d) => d.name)).toContain('Username-Password-Authentication');
    // The sections authmesh does not emulate come out as an empty Auth0 tenant's.
    expect(first).toMatchObject({ rules: [], hooks: [], actions: [], organizations: [], logStreams: [] });

    // The edits a team makes: a new machine client and its grant, a new scope on an API, a new role and
    // a changed one, tenant settings, and a database connection option.
    const edited = structuredClone(first);
    edited.clients.push({
      name: 'Reporting Service',
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
    });
    edited.clientGrants.push({ client_id: 'Reporting Service', audience: 'orders-api', scope: ['read:orders'] });
    const catalog = edited.resourceServers.find((r) => r.identifier === CATALOG);
    catalog?.scopes.push({ value: 'delete:catalog', description: 'Delete catalog entries' });
    edited.roles.push({
      name: 'Auditor',
      description: 'Reads every order',
      permissions: [{ permission_name: 'read:orders', resource_server_identifier: 'orders-api' }],
    });
    const staff = edited.roles.find((r) => r.name === 'Staff');
    if (staff) staff.permissions = staff.permissions.filter((p) => p.permission_name !== 'adjust:stock');
    edited.tenant = { ...edited.tenant, friendly_name: 'Forum', session_lifetime: 168, default_audience: CATALOG };
    const database = edited.databases.find((d) => d.name === 'Username-Password-Authentication');
    if (database) database.options = { ...database.options, disable_signup: true };
    // An action in its code file, deployed and bound to post-login.
    await mkdir(join(workDir, 'export-1', 'actions', 'add-roles'), { recursive: true });
    await writeFile(join(workDir, 'export-1', 'actions', 'add-roles', 'code.js'), ACTION_CODE);
    edited.actions = [
      {
        name: 'add-roles',
        code: './actions/add-roles/code.js',
        runtime: 'node22',
        dependencies: [],
        deployed: true,
        status: 'built',
        secrets: [],
        supported_triggers: [{ id: 'post-login', version: 'v3' }],
      },
    ];
    edited.triggers = { 'post-login': [{ action_name: 'add-roles', display_name: 'Roles in the ID token' }] };
    const tenantFile = join(workDir, 'export-1', 'tenant.yaml');
    await writeFile(tenantFile, stringify(edited));

    const imported = await a0deploy('import', '--input_file', tenantFile);
    expect(imported.code, imported.output).toBe(0);
    expect(errorLines(imported)).toEqual([]);

    const second = normalised(await exportTenant('export-2'));
    // The new client comes back with the defaults the tenant gave it (secret-less in the export).
    const reporting = second.clients.find((c) => c.name === 'Reporting Service');
    expect(reporting).toMatchObject({ app_type: 'non_interactive', grant_types: ['client_credentials'] });
    const expected = normalised(edited);
    // The Deploy CLI's schema gives database options this default on import, against Auth0 as here.
    for (const db of expected.databases) db.options = { disable_self_service_change_password: false, ...db.options };
    expected.clients = expected.clients.map((c) => (c.name === 'Reporting Service' ? (reporting ?? c) : c));
    expect(second).toEqual(expected);
    // The action's code comes back in its own file, as the Deploy CLI writes it.
    expect(await readFile(join(workDir, 'export-2', 'actions', 'add-roles', 'code.js'), 'utf8')).toBe(ACTION_CODE);
  }, 480_000);

  it('what was imported is live: the new client gets a token for its grant at once', async () => {
    const token = await clientCredentials(
      DEPLOYER.clientId,
      DEPLOYER.clientSecret,
      managementApiIdentifier(tenant.issuer),
    );
    const clients = await httpsJson('api/v2/clients?fields=name,client_id,client_secret', {
      method: 'GET',
      headers: { authorization: `Bearer ${String(token.json.access_token)}` },
    });
    const reporting = (clients.json as unknown as Entry[]).find((c) => c.name === 'Reporting Service');
    const reply = await clientCredentials(String(reporting?.client_id), String(reporting?.client_secret), 'orders-api');
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ scope: 'read:orders', token_type: 'Bearer' });
  });
});
