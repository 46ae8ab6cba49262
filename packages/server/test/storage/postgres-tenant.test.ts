import { loginForCode, startPostgres, type TestPostgres } from '@authmesh/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import { ADMIN, bind, CATALOG, freePort, managementConfig, managementToken } from '../management/support.ts';
import { ALICE, SPA, tokenRequest } from '../security/helpers.ts';

/*
 * The whole tenant on Postgres, through `createTenant({ database })`: a login through the form, the code
 * exchanged, the refresh token rotated, a change made through /api/v2; then the tenant restarted on the
 * same database keeps the keys, the refresh token (whose reuse it detects) and the change.
 */

let server: TestPostgres;
let database: string;
let port: number;
let issuer: string;
const tenants: Tenant[] = [];

beforeAll(async () => {
  server = await startPostgres();
  database = await server.createDatabase();
  port = await freePort();
  issuer = `http://localhost:${port}/`;
});
afterAll(async () => {
  await Promise.all(tenants.map((t) => t.close()));
  await server?.stop();
});

async function start(): Promise<Tenant> {
  const tenant = await createTenant({ config: managementConfig(issuer), port, issuer, database });
  tenants.push(tenant);
  return tenant;
}

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

const refresh = (refreshToken: string) =>
  tokenRequest(issuer, { grant_type: 'refresh_token', client_id: SPA.clientId, refresh_token: refreshToken });

describe('a tenant on Postgres', () => {
  let refreshToken: string;
  let kid: unknown;

  it('logs in, exchanges the code and rotates the refresh token', async () => {
    const tenant = await start();
    const login = await loginForCode({
      issuer: tenant.issuer,
      clientId: SPA.clientId,
      redirectUri: SPA.redirectUri,
      ...ALICE,
      audience: CATALOG,
      scope: 'openid offline_access read:catalog',
    });
    const exchange = {
      grant_type: 'authorization_code',
      client_id: SPA.clientId,
      code: login.code,
      code_verifier: login.verifier,
      redirect_uri: SPA.redirectUri,
    };
    const tokens = await tokenRequest(tenant.issuer, exchange);
    expect(tokens.status).toBe(200);
    expect(typeof tokens.json.access_token).toBe('string');

    const first = String(tokens.json.refresh_token);
    const rotated = await refresh(first);
    expect(rotated.status).toBe(200);
    refreshToken = String(rotated.json.refresh_token);
    expect(refreshToken).not.toBe(first);
    // The engine's records are in the database, under hashed ids: never the bearer value itself.
    const stored = await rows('SELECT model, id FROM oidc_models');
    expect(stored.map((r) => r.model)).toEqual(expect.arrayContaining(['Session', 'Grant', 'RefreshToken']));
    expect(stored.some((r) => r.id === first || r.id === refreshToken || r.id === login.code)).toBe(false);

    const jwks = (await (await fetch(new URL('.well-known/jwks.json', issuer))).json()) as { keys: { kid: string }[] };
    kid = jwks.keys[0]?.kid;
    expect(kid).toBeDefined();
  });

  it('stores a change made through /api/v2 in the database', async () => {
    const admin = bind(issuer, await managementToken(issuer, ADMIN));
    const created = await admin('POST', '/roles', { body: { name: 'Auditor', description: 'reads the logs' } });
    expect(created.status).toBe(200);
    const stored = await rows("SELECT key, doc FROM entities WHERE kind = 'role' AND key = 'Auditor'");
    expect(stored).toHaveLength(1);
    expect(stored[0]?.doc).toMatchObject({ name: 'Auditor', description: 'reads the logs' });
  });

  it('restarted on the same database, keeps its signing key, the refresh token (and detects its reuse) and the change', async () => {
    await tenants.pop()?.close();
    await start();
    const jwks = (await (await fetch(new URL('.well-known/jwks.json', issuer))).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(kid);
    const rotated = await refresh(refreshToken);
    expect(rotated.status).toBe(200);
    // Reuse of the rotated token is detected from what the database recorded, and ends the whole family.
    const reuse = await refresh(refreshToken);
    expect(reuse.json.error).toBe('invalid_grant');
    expect((await refresh(String(rotated.json.refresh_token))).json.error).toBe('invalid_grant');
    const admin = bind(issuer, await managementToken(issuer, ADMIN));
    const roles = await admin('GET', '/roles');
    expect((roles.json as { name: string }[]).map((r) => r.name)).toContain('Auditor');
  });
});
