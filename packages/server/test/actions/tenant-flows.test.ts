import { loginForCode } from '@authmesh/testkit';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionLogLine } from '../../src/actions/types.ts';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import type { UserRecord } from '../../src/tenant/records.ts';
import { ADMIN, api, freePort, managementConfig, managementToken } from '../management/support.ts';
import { action, storeActions } from './helpers.ts';

/*
 * Where the engine runs actions, against a real tenant: post-login before the code is issued (login and
 * silent authentication), again on a refresh-token exchange, and credentials-exchange before an M2M token.
 */

const SPA = 'spa-client-0001';
const CALLBACK = 'http://localhost:5173/callback';
const CATALOG = 'https://catalog.example.test';
const NS = 'https://shop.example.test';

const postLogin = action(
  'roles-and-plan',
  `exports.onExecutePostLogin = async (event, api) => {
     if (event.user.email.startsWith('bob')) return api.access.deny('Staff may not use the shop');
     if (event.request.body.stop === 'please') return api.access.deny('Refresh refused by the action');
     console.log('login', event.stats.logins_count, event.transaction.protocol);
     if (event.transaction.protocol === 'oidc-basic-profile') console.log('query audience', event.request.query.audience);
     if (event.transaction.protocol === 'oidc-basic-profile') console.log('method', event.authentication.methods[0].name);
     api.idToken.setCustomClaim('${NS}/roles', event.authorization.roles);
     api.idToken.setCustomClaim('sub', 'ignored');
     api.accessToken.setCustomClaim('${NS}/protocol', event.transaction.protocol);
     api.accessToken.setCustomClaim('${NS}/visits', event.user.app_metadata.visits ?? 0);
     if (event.transaction.protocol !== 'oauth2-refresh-token') {
       api.user.setAppMetadata('visits', (event.user.app_metadata.visits ?? 0) + 1);
     }
   };`,
);
const m2m = action(
  'service-name',
  `exports.onExecuteCredentialsExchange = async (event, api) => {
     if (event.client.name === 'Inventory Service') return api.access.deny('invalid_scope', 'Inventory is read-only today');
     api.accessToken.setCustomClaim('${NS}/service', event.client.name);
     api.accessToken.setCustomClaim('plain', 'private claim');
   };`,
  { supported_triggers: [{ id: 'credentials-exchange', version: 'v2' }] },
);

let storage: Storage;
let tenant: Tenant;
const logs: ActionLogLine[] = [];

beforeAll(async () => {
  storage = openSqliteStorage({ path: ':memory:' });
  await storeActions(storage, [postLogin, m2m], {
    'post-login': ['roles-and-plan'],
    'credentials-exchange': ['service-name'],
  });
  const port = await freePort();
  const issuer = `http://localhost:${port}/`;
  const base = managementConfig(issuer);
  // The back-office application may use the password grant against the default database.
  const config = {
    ...base,
    tenant: { ...base.tenant, default_directory: 'Username-Password-Authentication' },
    clients: base.clients.map((c) =>
      c.name === 'Back Office' ? { ...c, grant_types: [...c.grant_types, 'password' as const] } : c,
    ),
  };
  tenant = await createTenant({
    config,
    port,
    issuer,
    storage,
    actionTimeoutMs: 5_000,
    onActionLog: (line) => logs.push(line),
  });
});

afterAll(async () => {
  await tenant?.close();
  await storage?.close();
});

async function token(body: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(new URL('oauth/token', tenant.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function login(username: string, password: string, extra: Record<string, string> = {}) {
  return loginForCode({
    issuer: tenant.issuer,
    clientId: SPA,
    redirectUri: CALLBACK,
    username,
    password,
    scope: 'openid profile email offline_access read:catalog',
    audience: CATALOG,
    ...extra,
  });
}

describe('post-login', () => {
  it('adds the ID-token and access-token claims at the code exchange, drops restricted ones, and persists metadata', async () => {
    const flow = await login('alice@example.test', 'correct horse battery staple');
    const { status, json } = await token({
      grant_type: 'authorization_code',
      client_id: SPA,
      code: flow.code,
      code_verifier: flow.verifier,
      redirect_uri: CALLBACK,
    });
    expect(status, JSON.stringify(json)).toBe(200);
    const id = decodeJwt(String(json.id_token));
    expect(id[`${NS}/roles`]).toEqual(['Customer']);
    expect(id.sub).toMatch(/^auth0\|/);
    const access = decodeJwt(String(json.access_token));
    expect(access[`${NS}/protocol`]).toBe('oidc-basic-profile');
    expect(access[`${NS}/visits`]).toBe(0);
    const alice = (await storage.entities.getByKey<UserRecord>('user', 'alice@example.test'))?.doc;
    expect(alice?.app_metadata).toMatchObject({ visits: 1 });
    const viaManagement = await api(tenant.issuer, 'GET', `/users/${encodeURIComponent(alice?.user_id ?? '')}`, {
      token: await managementToken(tenant.issuer, ADMIN),
    });
    expect(viaManagement.status).toBe(200);
    expect(viaManagement.json).toMatchObject({ app_metadata: { visits: 1 } });

    // Silent authentication (prompt=none) runs post-login again: the next login's event sees the metadata.
    const silent = await loginForCode({
      issuer: tenant.issuer,
      clientId: SPA,
      redirectUri: CALLBACK,
      username: '',
      password: '',
      scope: 'openid profile email offline_access read:catalog',
      audience: CATALOG,
      browser: flow.browser,
      extraParams: { prompt: 'none' },
    });
    const second = await token({
      grant_type: 'authorization_code',
      client_id: SPA,
      code: silent.code,
      code_verifier: silent.verifier,
      redirect_uri: CALLBACK,
    });
    expect(decodeJwt(String(second.json.access_token))[`${NS}/visits`]).toBe(1);
    expect(logs.filter((l) => l.message.startsWith('method ')).map((l) => l.message)).toEqual([
      'method pwd',
      'method pwd',
    ]);
    // event.request.query holds the authorization request's parameters, also after the login page.
    expect(logs.filter((l) => l.message.startsWith('query ')).map((l) => l.message)).toEqual([
      `query audience ${CATALOG}`,
      `query audience ${CATALOG}`,
    ]);
    expect(logs.filter((l) => l.message.startsWith('login ')).map((l) => l.message)).toEqual([
      'login 1 oidc-basic-profile',
      'login 2 oidc-basic-profile',
    ]);

    // A refresh-token exchange runs post-login with Auth0's protocol for it.
    expect(typeof second.json.refresh_token).toBe('string');
    const refreshed = await token({
      grant_type: 'refresh_token',
      client_id: SPA,
      refresh_token: String(second.json.refresh_token),
    });
    expect(refreshed.status, JSON.stringify(refreshed.json)).toBe(200);
    expect(decodeJwt(String(refreshed.json.access_token))[`${NS}/protocol`]).toBe('oauth2-refresh-token');
    expect(decodeJwt(String(refreshed.json.id_token))[`${NS}/roles`]).toEqual(['Customer']);

    // A deny on the refresh-token exchange answers Auth0's 403 access_denied with the reason.
    const refused = await token({
      grant_type: 'refresh_token',
      client_id: SPA,
      refresh_token: String(refreshed.json.refresh_token ?? second.json.refresh_token),
      stop: 'please',
    });
    expect(refused.status).toBe(403);
    expect(refused.json).toEqual({ error: 'access_denied', error_description: 'Refresh refused by the action' });
  });

  it('a deny sends the application error=access_denied with the reason, and no code', async () => {
    const flow = await login('bob@example.test', 'staff password 1234').then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(flow).toContain('callback without code');
    expect(flow).toContain('error=access_denied');
    expect(flow).toContain('error_description=Staff+may+not+use+the+shop');
  });
});

describe('post-login on the password grant', () => {
  it("runs with Auth0's protocol oauth2-password, and a deny answers 403 access_denied with the reason", async () => {
    const backOffice = {
      client_id: 'backoffice-0001',
      client_secret: 'backoffice-secret-0123456789abcdef0123456789ab',
    };
    const ok = await token({
      ...backOffice,
      grant_type: 'password',
      username: 'alice@example.test',
      password: 'correct horse battery staple',
      audience: CATALOG,
      scope: 'openid read:catalog',
    });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    expect(decodeJwt(String(ok.json.access_token))[`${NS}/protocol`]).toBe('oauth2-password');
    expect(decodeJwt(String(ok.json.id_token))[`${NS}/roles`]).toEqual(['Customer']);

    const denied = await token({
      ...backOffice,
      grant_type: 'password',
      username: 'bob@example.test',
      password: 'staff password 1234',
      audience: CATALOG,
      scope: 'openid read:catalog',
    });
    expect(denied.status).toBe(403);
    expect(denied.json).toEqual({ error: 'access_denied', error_description: 'Staff may not use the shop' });
  });
});

describe('credentials-exchange', () => {
  it('adds the action claim to an M2M token', async () => {
    const { status, json } = await token({
      grant_type: 'client_credentials',
      client_id: 'orders-m2m-0001',
      client_secret: 'orders-secret-0123456789abcdef0123456789abcdef',
      audience: CATALOG,
    });
    expect(status, JSON.stringify(json)).toBe(200);
    expect(decodeJwt(String(json.access_token))).toMatchObject({
      [`${NS}/service`]: 'Orders Service',
      plain: 'private claim',
    });
  });

  it('a Management API token gets only the namespaced claims, as Auth0 allows on its own APIs', async () => {
    const claims = decodeJwt(await managementToken(tenant.issuer, ADMIN));
    expect(claims[`${NS}/service`]).toBe('Management Admin');
    expect(claims).not.toHaveProperty('plain');
  });

  it("a deny answers the action's OAuth error and reason, as Auth0", async () => {
    const inventory = tenant.clients.find((c) => c.name === 'Inventory Service');
    const { status, json } = await token({
      grant_type: 'client_credentials',
      client_id: inventory?.client_id ?? '',
      client_secret: inventory?.client_secret ?? '',
      audience: CATALOG,
    });
    expect(status).toBe(400);
    expect(json).toEqual({ error: 'invalid_scope', error_description: 'Inventory is read-only today' });
  });
});
