import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import { ensureLocalCertificates, type LocalCertificates } from '../../src/tls/local-ca.ts';
import { ADMIN, freePort, managementConfig } from './support.ts';

/**
 * node-auth0 v5, unchanged, over HTTPS. Its global fetch (undici) reads NODE_EXTRA_CA_CERTS only at
 * process start, so the SDK runs in a child process started with it — exactly what users do.
 */
const FIXTURE = fileURLToPath(new URL('./fixtures/node-auth0-https.ts', import.meta.url));

let dataDir: string;
let tls: LocalCertificates;
let tenant: Tenant;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'authmesh-https-'));
  tls = await ensureLocalCertificates(join(dataDir, 'tls'));
  const port = await freePort();
  // The Management API grant's audience is `<issuer>api/v2/`, so the issuer must be known before start.
  const issuer = `https://localhost:${port}/`;
  tenant = await createTenant({
    config: managementConfig(issuer),
    port,
    https: { cert: tls.cert, key: tls.key },
    dataDir,
  });
});
afterAll(async () => {
  await tenant?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function runFixture(
  env: NodeJS.ProcessEnv,
  arg: unknown,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FIXTURE, JSON.stringify(arg)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_EXTRA_CA_CERTS: tls.caCertPath };
  delete env.NODE_OPTIONS; // nothing of the test runner leaks into the "user's app"
  return env;
}

describe('node auth0 v5 over HTTPS (NODE_EXTRA_CA_CERTS, no transport hooks)', () => {
  it('serves the issuer on https://localhost:<port>/', () => {
    expect(tenant.issuer).toBe(`https://localhost:${tenant.port}/`);
    expect(tenant.url).toBe(`https://127.0.0.1:${tenant.port}`);
  });

  it('provisions an API, an M2M client and a grant; the client gets a token at once and loses it with the grant', async () => {
    const domain = new URL(tenant.issuer).host;
    const run = await runFixture(childEnv(), { domain, clientId: ADMIN.clientId, clientSecret: ADMIN.clientSecret });
    expect(run.stderr).not.toMatch(/Error|self.signed|UNABLE_TO_VERIFY/i);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');

    expect(result.api).toMatchObject({
      identifier: 'https://https-api.example.test',
      scopes: [
        { value: 'read:things', description: 'Read things' },
        { value: 'write:things', description: 'Write things' },
      ],
    });
    expect(result.machine).toMatchObject({ app_type: 'non_interactive', grant_types: ['client_credentials'] });
    expect(result.grant).toMatchObject({
      client_id: result.machine.client_id,
      audience: 'https://https-api.example.test',
      scope: ['read:things'],
    });
    expect(result.listed.apis).toContain('https://https-api.example.test');
    expect(result.listed.grants).toEqual([result.grant.id]);
    expect(result.listed.clients).toContain(result.machine.client_id);

    expect(result.withGrant).toMatchObject({
      ok: true,
      payload: {
        iss: tenant.issuer,
        aud: 'https://https-api.example.test',
        azp: result.machine.client_id,
        scope: 'read:things',
      },
    });
    // Both pagination styles across pages: 1 + 1 + 3 APIs over pages of 2; 4 grants over pages of 2.
    expect(result.paged.apis).toEqual(
      expect.arrayContaining(['https://https-api.example.test', 'https://extra-3.example.test']),
    );
    expect(result.paged.apis.length).toBeGreaterThanOrEqual(5);
    expect(new Set(result.paged.apis).size).toBe(result.paged.apis.length);
    expect(result.paged.grants).toHaveLength(4);
    expect(result.paged.clientTotal).toBeGreaterThan(2);
    expect(result.paged.clients).toHaveLength(result.paged.clientTotal);
    expect(new Set(result.paged.clients).size).toBe(result.paged.clients.length);
    expect(new Set(result.paged.grants).size).toBe(4);
    expect(result.updated).toMatchObject({ ok: true, payload: { scope: 'read:things write:things' } });
    expect(result.updated.payload.exp - result.updated.payload.iat).toBe(600);
    expect(result.grantsAfter).toEqual([]);
    expect(result.withoutGrant).toMatchObject({ ok: false, statusCode: 403, error: 'access_denied' });

    expect(result.afterDelete.apis).not.toContain('https://https-api.example.test');
    expect(result.afterDelete.clients).not.toContain(result.machine.client_id);
  }, 60_000);

  it('without trusting the CA the same SDK fails the TLS handshake', async () => {
    const env = childEnv();
    delete env.NODE_EXTRA_CA_CERTS;
    const domain = new URL(tenant.issuer).host;
    const run = await runFixture(env, { domain, clientId: ADMIN.clientId, clientSecret: ADMIN.clientSecret });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify the first certificate|fetch failed/i);
  }, 60_000);
});

describe('HTTPS headers', () => {
  it('every answer over HTTPS carries a short HSTS policy (a dev tenant: one hour, no subdomains)', async () => {
    const { request } = await import('node:https');
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = request(new URL('.well-known/jwks.json', tenant.issuer), { ca: tls.caCert }, (res) => {
        res.resume();
        resolve(res.headers);
      });
      req.once('error', reject);
      req.end();
    });
    expect(headers['strict-transport-security']).toBe('max-age=3600');
  });
});
