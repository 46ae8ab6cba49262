import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fixtureConfig, loginForCode } from '@authmesh/testkit';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTenantConfigFile, parseTenantConfig } from '../../src/config/load.ts';
import type { TenantConfig } from '../../src/config/types.ts';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import { exportTenantFiles } from '../../src/tenant-as-code/export.ts';
import { expectConfigError, yaml } from '../config/helpers.ts';
import { ADMIN, api, freePort, managementConfig, managementToken } from '../management/support.ts';
import { action, storeActions } from './helpers.ts';

/*
 * Auth0's `client_metadata`: declared in tenant.yaml, read and written through /api/v2/clients within
 * Auth0's limits (string values, keys and values of at most 255 characters, at most 10 keys; a PATCH
 * merges and `null` removes a key), given to post-login and credentials-exchange actions as
 * `event.client.metadata`, and written back by `authmesh export`.
 */

const SPA = 'spa-client-0001';
const CALLBACK = 'http://localhost:5173/callback';
const ORDERS = { clientId: 'orders-m2m-0001', clientSecret: 'orders-secret-0123456789abcdef0123456789abcdef' };
const CATALOG = 'https://catalog.example.test';
const NS = 'https://shop.example.test';

const readsMetadata = (trigger: 'post-login' | 'credentials-exchange') =>
  action(
    `metadata-${trigger}`,
    trigger === 'post-login'
      ? `exports.onExecutePostLogin = async (event, api) => {
           api.idToken.setCustomClaim('${NS}/client_metadata', event.client.metadata);
         };`
      : `exports.onExecuteCredentialsExchange = async (event, api) => {
           api.accessToken.setCustomClaim('${NS}/client_metadata', event.client.metadata);
         };`,
    trigger === 'credentials-exchange' ? { supported_triggers: [{ id: 'credentials-exchange', version: 'v2' }] } : {},
  );

function withMetadata(config: TenantConfig): TenantConfig {
  const metadata: Record<string, Record<string, string>> = {
    'Shop SPA': { home_page: 'https://shop.example.test', tier: 'gold' },
    'Orders Service': { team: 'orders' },
  };
  return {
    ...config,
    clients: config.clients.map((c) =>
      metadata[c.name] === undefined ? c : { ...c, client_metadata: metadata[c.name] },
    ),
  };
}

describe('client_metadata in tenant.yaml', () => {
  const client = ['clients:', '  - name: Billing', '    app_type: non_interactive', '    client_metadata:'];

  it('is loaded onto the client', () => {
    const config = parseTenantConfig(yaml(...client, '      team: billing', "      cost_center: '42'"), '<inline>');
    expect(config.clients[0]?.client_metadata).toEqual({ team: 'billing', cost_center: '42' });
  });

  it('is refused beyond 10 keys, or with a value that is not a string, naming the path and line', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `      key${i}: v`);
    const tooMany = expectConfigError(yaml(...client, ...eleven));
    expect(tooMany.issues[0]?.path).toBe('clients[0].client_metadata (line 4)');
    expect(tooMany.issues[0]?.message).toContain('Too many properties defined (11), maximum 10');
    const notString = expectConfigError(yaml(...client, '      seats: 12'));
    expect(notString.issues[0]?.path).toBe('clients[0].client_metadata.seats (line 5)');
  });
});

describe('client_metadata on a running tenant', () => {
  let storage: Storage;
  let tenant: Tenant;
  let token: string;

  beforeAll(async () => {
    storage = openSqliteStorage({ path: ':memory:' });
    await storeActions(storage, [readsMetadata('post-login'), readsMetadata('credentials-exchange')], {
      'post-login': ['metadata-post-login'],
      'credentials-exchange': ['metadata-credentials-exchange'],
    });
    const port = await freePort();
    const issuer = `http://localhost:${port}/`;
    tenant = await createTenant({
      config: withMetadata(managementConfig(issuer)),
      port,
      issuer,
      storage,
      actionTimeoutMs: 5_000,
    });
    token = await managementToken(issuer, ADMIN);
  });

  afterAll(async () => {
    await tenant?.close();
    await storage?.close();
  });

  async function m2mMetadata(): Promise<unknown> {
    const response = await fetch(new URL('oauth/token', tenant.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: ORDERS.clientId,
        client_secret: ORDERS.clientSecret,
        audience: CATALOG,
      }),
    });
    const body = (await response.json()) as { access_token: string };
    expect(response.status).toBe(200);
    return decodeJwt(body.access_token)[`${NS}/client_metadata`];
  }

  it('is event.client.metadata in post-login (ID token) and credentials-exchange (M2M token)', async () => {
    const login = await loginForCode({
      issuer: tenant.issuer,
      clientId: SPA,
      redirectUri: CALLBACK,
      username: 'alice@example.test',
      password: 'correct horse battery staple',
      scope: 'openid profile',
    });
    const response = await fetch(new URL('oauth/token', tenant.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: SPA,
        code: login.code,
        code_verifier: login.verifier,
        redirect_uri: CALLBACK,
      }),
    });
    const tokens = (await response.json()) as { id_token: string };
    expect(decodeJwt(tokens.id_token)[`${NS}/client_metadata`]).toEqual({
      home_page: 'https://shop.example.test',
      tier: 'gold',
    });
    expect(await m2mMetadata()).toEqual({ team: 'orders' });
  });

  it('/api/v2/clients reads it, merges a PATCH (null removes a key), and the next token sees it', async () => {
    const path = `/clients/${ORDERS.clientId}`;
    const read = await api(tenant.issuer, 'GET', path, { token });
    expect((read.json as Record<string, unknown>).client_metadata).toEqual({ team: 'orders' });
    const patched = await api(tenant.issuer, 'PATCH', path, {
      token,
      body: { client_metadata: { team: null, owner: 'billing', region: 'eu' } },
    });
    expect(patched.status, JSON.stringify(patched.json)).toBe(200);
    expect((patched.json as Record<string, unknown>).client_metadata).toEqual({ owner: 'billing', region: 'eu' });
    expect(await m2mMetadata()).toEqual({ owner: 'billing', region: 'eu' });
  });

  it("/api/v2/clients refuses what Auth0 refuses, with Auth0's payload errors", async () => {
    const created = await api(tenant.issuer, 'POST', '/clients', {
      token,
      body: { name: 'Metadata App', app_type: 'non_interactive', client_metadata: { a: '1' } },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const id = String((created.json as Record<string, unknown>).client_id);
    expect((created.json as Record<string, unknown>).client_metadata).toEqual({ a: '1' });

    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`key${i}`, 'v']));
    const refusals: [string, string, unknown, string][] = [
      [
        'POST',
        '/clients',
        { name: 'Too Many', client_metadata: eleven },
        "'Too many properties defined (11), maximum 10' on property client_metadata.",
      ],
      [
        'POST',
        '/clients',
        { name: 'Number', client_metadata: { seats: 12 } },
        "'Expected type string but found type integer' on property client_metadata.seats.",
      ],
      [
        'POST',
        '/clients',
        { name: 'Long', client_metadata: { k: 'x'.repeat(256) } },
        "'String is too long (256 chars), maximum 255' on property client_metadata.k.",
      ],
      [
        'POST',
        '/clients',
        { name: 'Long Key', client_metadata: { ['k'.repeat(256)]: 'v' } },
        'Property name is too long (256 chars), maximum 255',
      ],
      // Ten stored keys after the merge is the limit: one more through a PATCH is refused too.
      [
        'PATCH',
        `/clients/${id}`,
        { client_metadata: Object.fromEntries(Object.entries(eleven).slice(0, 10)) },
        "'Too many properties defined (11), maximum 10' on property client_metadata.",
      ],
    ];
    for (const [method, path, body, message] of refusals) {
      const reply = await api(tenant.issuer, method, path, { token, body });
      expect(reply.status, `${method} ${path} ${JSON.stringify(reply.json)}`).toBe(400);
      expect((reply.json as Record<string, unknown>).errorCode).toBe('invalid_body');
      expect(String((reply.json as Record<string, unknown>).message)).toContain(message);
    }
    const unchanged = await api(tenant.issuer, 'GET', `/clients/${id}`, { token });
    expect((unchanged.json as Record<string, unknown>).client_metadata).toEqual({ a: '1' });
  });

  it('is written by authmesh export, keys sorted, and loads back', async () => {
    const { text, files } = await exportTenantFiles(storage, { issuer: tenant.issuer, users: 'omit' });
    // Written as `authmesh export -o` writes it: the actions' code files beside the YAML.
    const dir = mkdtempSync(join(tmpdir(), 'authmesh-export-'));
    writeFileSync(join(dir, 'tenant.yaml'), text);
    for (const file of files) {
      mkdirSync(dirname(join(dir, file.path)), { recursive: true });
      writeFileSync(join(dir, file.path), file.content);
    }
    const config = await loadTenantConfigFile(join(dir, 'tenant.yaml'), {});
    expect(config.clients.find((c) => c.name === 'Shop SPA')?.client_metadata).toEqual({
      home_page: 'https://shop.example.test',
      tier: 'gold',
    });
    expect(text).toMatch(/client_metadata:\n\s+home_page: https:\/\/shop\.example\.test\n\s+tier: gold\n/);
  });
});

// The fixture's SPA and M2M client names, checked once so the metadata above lands where intended.
it('fixture names the clients this test gives metadata to', () => {
  const names = fixtureConfig().clients.map((c) => c.name);
  expect(names).toEqual(expect.arrayContaining(['Shop SPA', 'Orders Service']));
});
