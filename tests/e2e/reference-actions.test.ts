import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createTenant, loadTenantConfigFile, type Tenant } from '@authmesh/server';
import { freePort, loginForCode } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The reference system's two Auth0 Actions (examples/tenant.yaml, examples/actions/): the user's roles as
 * a namespaced claim in the SPA's ID token and in access tokens, and the calling service's name in
 * machine-to-machine tokens, which API 1 (examples/catalog-api, run as `npm start` runs it) logs.
 */

const TENANT_FILE = fileURLToPath(new URL('../../examples/tenant.yaml', import.meta.url));
const CATALOG_MAIN = fileURLToPath(new URL('../../examples/catalog-api/src/main.ts', import.meta.url));
const SPA = { clientId: 'acme-shop-spa', redirectUri: 'http://localhost:5173/' };
const CATALOG = 'https://catalog.acme.test';
const ROLES = 'https://acme.test/roles';
const CLIENT_NAME = 'https://acme.test/client_name';

let tenant: Tenant;
let catalog: ChildProcess | undefined;
let catalogOutput = '';

const payload = (jwt: unknown) =>
  JSON.parse(Buffer.from(String(jwt).split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

async function token(form: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(new URL('oauth/token', tenant.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const body = (await response.json()) as Record<string, unknown>;
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body;
}

/** Resolves once the catalog API printed a line matching `pattern` (rejects if it exits first). */
function catalogPrinted(pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const line = catalogOutput.split('\n').find((l) => pattern.test(l));
      if (line === undefined) return false;
      catalog?.stdout?.off('data', onData);
      catalog?.off('exit', onExit);
      resolve(line);
      return true;
    };
    const onData = () => check();
    const onExit = () => reject(new Error(`catalog-api exited before printing ${pattern}:\n${catalogOutput}`));
    if (check()) return;
    catalog?.stdout?.on('data', onData);
    catalog?.once('exit', onExit);
  });
}

beforeAll(async () => {
  tenant = await createTenant({ config: await loadTenantConfigFile(TENANT_FILE), port: 0, dataDir: null });
  const port = await freePort();
  catalog = spawn(process.execPath, [CATALOG_MAIN], {
    env: { PATH: process.env.PATH ?? '', AUTH0_ISSUER_BASE_URL: tenant.issuer, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  catalog.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    catalogOutput += chunk;
  });
  catalog.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    catalogOutput += chunk;
  });
  await catalogPrinted(/listening on/);
}, 60_000);

afterAll(async () => {
  if (catalog && catalog.exitCode === null) {
    const exited = once(catalog, 'exit');
    catalog.kill('SIGTERM');
    await exited;
  }
  await tenant?.close();
});

describe('the example tenant runs its actions', () => {
  it('post-login: the roles are a namespaced claim of the SPA’s ID token and of its access token', async () => {
    const login = await loginForCode({
      issuer: tenant.issuer,
      ...SPA,
      audience: CATALOG,
      scope: 'openid profile email read:products',
      username: 'staff@acme.test',
      password: 'staff-demo-password',
    });
    const tokens = await token({
      grant_type: 'authorization_code',
      client_id: SPA.clientId,
      code: login.code,
      code_verifier: login.verifier,
      redirect_uri: SPA.redirectUri,
    });
    expect(payload(tokens.id_token)[ROLES]).toEqual(['Staff']);
    expect(payload(tokens.access_token)[ROLES]).toEqual(['Staff']);
  });

  it('credentials-exchange: the M2M token names the calling service, and API 1 logs it', async () => {
    const service = tenant.clients.find((c) => c.name === 'Orders Service');
    const m2m = await token({
      grant_type: 'client_credentials',
      client_id: service?.client_id ?? '',
      client_secret: service?.client_secret ?? '',
      audience: CATALOG,
    });
    expect(payload(m2m.access_token)[CLIENT_NAME]).toBe('Orders Service');

    const port = new URL(/listening on (\S+)/.exec(catalogOutput)?.[1] ?? '').port;
    const logged = catalogPrinted(/called by Orders Service/);
    const reply = await fetch(`http://127.0.0.1:${port}/products`, {
      headers: { authorization: `Bearer ${String(m2m.access_token)}` },
    });
    expect(reply.status).toBe(200);
    expect(await logged).toBe(`catalog-api: GET /products called by Orders Service (${service?.client_id})`);
  });
});
