import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTenantConfigFile } from '../../src/config/load.ts';
import type { Client } from '../../src/config/types.ts';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import { managementApiIdentifier } from '../../src/tenant/management-api.ts';
import {
  ActivityReader,
  CATALOG,
  clientCredentials,
  clientOf,
  consoleApi,
  EXAMPLE_CONFIG,
  freePort,
  startConsoleTenant,
} from './support.ts';

/** A GET with exactly these headers (fetch would not let a test choose the Host). */
function rawGet(url: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('console access: loopback (authmesh dev)', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    // The proxy on 127.0.0.1 is trusted, so X-Forwarded-For decides the client address.
    tenant = await startConsoleTenant({ trustProxy: ['127.0.0.1'] });
  });
  afterAll(() => tenant?.close());

  it('serves this machine without sign-in, and answers a remote address 404 as if there were no console', async () => {
    expect((await consoleApi(tenant, 'system')).status).toBe(200);
    const remote = await consoleApi(tenant, 'system', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(remote.status).toBe(404);
    const remoteShell = await fetch(new URL('console', tenant.url), { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(remoteShell.status).toBe(404);
    const viaLoopback = await consoleApi(tenant, 'system', { headers: { 'x-forwarded-for': '127.0.0.5' } });
    expect(viaLoopback.status).toBe(200);
  });

  it('refuses a request whose Host is not this machine (DNS rebinding), before minting a token', async () => {
    const port = new URL(tenant.url).port;
    const rebound = await rawGet(tenant.url, '/console/api/session', { host: `attacker.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({ statusCode: 403, errorCode: 'forbidden_host' });
    expect(rebound.body).not.toContain('token');
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect((await rawGet(tenant.url, '/console/api/session', { host })).status).toBe(200);
    }
  });

  it('answers unknown console API paths 404 and wrong methods 405, in the Management API error shape', async () => {
    const unknown = await consoleApi(tenant, 'nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ statusCode: 404, error: 'Not Found' });
    const wrongMethod = await consoleApi(tenant, 'system', { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    // A HEAD would hold a stream (and a feed subscription) open with no body to send.
    expect((await consoleApi(tenant, 'activity', { method: 'HEAD' })).status).toBe(405);
    expect((await consoleApi(tenant, 'system', { method: 'HEAD' })).status).toBe(200);
  });
});

describe('console access: loopback behind a proxy the tenant does not trust', () => {
  it('refuses what a local proxy relays (X-Forwarded-For or Forwarded), serves this machine itself', async () => {
    const tenant = await startConsoleTenant();
    try {
      const relayed: Record<string, string>[] = [
        { 'x-forwarded-for': '203.0.113.9' },
        { forwarded: 'for=203.0.113.9' },
      ];
      for (const headers of relayed) {
        expect((await consoleApi(tenant, 'session', { headers })).status).toBe(404);
        expect((await fetch(new URL('console/', tenant.url), { headers })).status).toBe(404);
      }
      expect((await consoleApi(tenant, 'session')).status).toBe(200);
    } finally {
      await tenant.close();
    }
  });
});

describe('console access: management-token (authmesh serve)', () => {
  const reader = {
    name: 'Console Reader',
    clientId: 'console-reader-0001',
    clientSecret: 'console-reader-secret-0123456789abcdefghij',
  };
  const partial = {
    name: 'Clients Reader',
    clientId: 'clients-reader-0001',
    clientSecret: 'clients-reader-secret-0123456789abcdefghij',
  };
  let tenant: Tenant;
  // A built app of its own, so that the shell's answer does not depend on whether npm run build:console ran.
  const buildDir = mkdtempSync(join(tmpdir(), 'authmesh-console-shell-'));
  writeFileSync(join(buildDir, 'index.html'), '<!doctype html><title>console shell</title>');

  beforeAll(async () => {
    const config = await loadTenantConfigFile(EXAMPLE_CONFIG);
    const port = await freePort();
    const issuer = `http://localhost:${port}/`;
    const template = config.clients.find((c) => c.name === 'Orders Service') as Client;
    const m2m = (c: typeof reader): Client => ({
      ...template,
      name: c.name,
      client_id: c.clientId,
      client_secret: c.clientSecret,
    });
    tenant = await createTenant({
      config: {
        ...config,
        clients: [...config.clients, m2m(reader), m2m(partial)],
        clientGrants: [
          ...config.clientGrants,
          {
            client_id: reader.name,
            audience: managementApiIdentifier(issuer),
            scope: ['read:clients', 'read:resource_servers', 'read:client_grants', 'read:roles', 'read:users'],
          },
          { client_id: partial.name, audience: managementApiIdentifier(issuer), scope: ['read:clients'] },
        ],
      },
      port,
      issuer,
      dataDir: null,
      console: { access: 'management-token', buildDir },
    });
  });
  afterAll(async () => {
    await tenant?.close();
    rmSync(buildDir, { recursive: true, force: true });
  });

  async function tokenOf(client: typeof reader): Promise<string> {
    const reply = await clientCredentials(tenant, client, managementApiIdentifier(tenant.issuer));
    if (typeof reply.json.access_token !== 'string') throw new Error(JSON.stringify(reply.json));
    return reply.json.access_token;
  }

  it('serves the static shell without a token', async () => {
    const shell = await fetch(new URL('console/', tenant.url));
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await shell.text()).toContain('console shell');
  });

  it('answers 401 without a token or with a token for another API, in Auth0’s Management API shape', async () => {
    const missing = await consoleApi(tenant, 'system');
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Missing authentication' });
    const catalogToken = (await clientCredentials(tenant, clientOf(tenant, 'Orders Service'), CATALOG)).json
      .access_token;
    const wrongApi = await consoleApi(tenant, 'system', { token: String(catalogToken) });
    expect(wrongApi.status).toBe(401);
    expect(wrongApi.json).toMatchObject({
      statusCode: 401,
      error: 'Unauthorized',
      message: `Bad audience: ${CATALOG}`,
    });
  });

  it('answers 403 to a Management API token without every read scope', async () => {
    const refused = await consoleApi(tenant, 'system', { token: await tokenOf(partial) });
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ statusCode: 403, error: 'Forbidden', errorCode: 'insufficient_scope' });
    expect((refused.json as { message: string }).message).toContain(
      'missing read:resource_servers,read:client_grants,read:roles,read:users',
    );
  });

  it('serves the picture and a session without a token of its own to a reader', async () => {
    const token = await tokenOf(reader);
    expect((await consoleApi(tenant, 'system', { token })).status).toBe(200);
    const session = await consoleApi(tenant, 'session', { token });
    expect(session.status).toBe(200);
    expect(session.json).toEqual({
      mode: 'management-token',
      tenant: { name: 'Acme Shop', issuer: tenant.issuer },
      management: { audience: managementApiIdentifier(tenant.issuer) },
      include_tokens: false,
    });
  });

  it('streams token events with their claims but never the token itself', async () => {
    const stream = await ActivityReader.open(tenant, await tokenOf(reader));
    try {
      const orders = clientOf(tenant, 'Orders Service');
      const issued = await clientCredentials(tenant, orders, CATALOG);
      const event = await stream.next((e) => e.data.type === 'token' && e.data.client_id === orders.clientId);
      expect(event.data.claims).toMatchObject({ aud: CATALOG });
      expect(event.data).not.toHaveProperty('access_token');
      expect(JSON.stringify(stream.events)).not.toContain(String(issued.json.access_token));
    } finally {
      stream.close();
    }
  });
});

describe('no console', () => {
  it('is 404 when the tenant was started without one', async () => {
    const port = await freePort();
    const tenant = await createTenant({
      config: await loadTenantConfigFile(EXAMPLE_CONFIG),
      port,
      issuer: `http://localhost:${port}/`,
      dataDir: null,
    });
    try {
      expect((await fetch(new URL('console', tenant.url))).status).toBe(404);
      expect((await fetch(new URL('console/api/session', tenant.url))).status).toBe(404);
    } finally {
      await tenant.close();
    }
  });
});
