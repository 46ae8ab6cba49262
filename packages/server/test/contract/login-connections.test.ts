import { fixtureConfig, hiddenInput, pkcePair, ScriptedBrowser } from '@authmesh/testkit';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, TenantConfig } from '../../src/config/types.ts';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import { MANAGEMENT_API_SCOPES, managementApiIdentifier } from '../../src/tenant/management-api.ts';
import { freePort } from '../management/support.ts';

/*
 * The login page's connections: a button and a local identity page per social/enterprise connection
 * enabled for the application, `/authorize?connection=…` straight to it, Auth0's refusal of a connection
 * the application may not use, the sign-up view, and what the tokens and /api/v2 show for such users.
 */

const SPA = 'spa-client-0001';
const CALLBACK = 'http://localhost:5173/callback';
const ADMIN = { id: 'connections-admin', secret: 'connections-admin-secret-0123456789abcdef0123' };

const google: Connection = {
  name: 'google-oauth2',
  strategy: 'google-oauth2',
  options: {},
  enabled_clients: ['Shop SPA'],
};
const github: Connection = { name: 'github', strategy: 'github', options: {}, enabled_clients: ['Back Office'] };

function config(issuer: string): TenantConfig {
  const base = fixtureConfig();
  const template = base.clients.find((c) => c.app_type === 'non_interactive');
  if (!template) throw new Error('no machine client in the fixture');
  return {
    ...base,
    clients: [
      ...base.clients,
      { ...template, name: 'Connections Admin', client_id: ADMIN.id, client_secret: ADMIN.secret },
    ],
    clientGrants: [
      ...base.clientGrants,
      {
        client_id: 'Connections Admin',
        audience: managementApiIdentifier(issuer),
        scope: [...MANAGEMENT_API_SCOPES].sort(),
      },
    ],
    // The database is for the shop's customers only: Back Office staff sign in with GitHub.
    connections: [
      ...base.connections.map((c) => ({ ...c, enabled_clients: ['Shop SPA', 'Connections Admin'] })),
      google,
      github,
    ],
  };
}

function authorizeUrl(tenant: Tenant, extra: Record<string, string> = {}) {
  const { challenge, verifier } = pkcePair();
  const url = new URL('authorize', tenant.issuer);
  const params = {
    client_id: SPA,
    response_type: 'code',
    redirect_uri: CALLBACK,
    scope: 'openid profile email',
    state: 'st',
    nonce: 'n',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return { url, verifier };
}

async function exchange(tenant: Tenant, callback: string, verifier: string) {
  const code = new URL(callback).searchParams.get('code') ?? '';
  const response = await fetch(new URL('oauth/token', tenant.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: SPA,
      code,
      code_verifier: verifier,
      redirect_uri: CALLBACK,
    }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { id_token: string; access_token: string };
}

async function post(browser: ScriptedBrowser, url: string, fields: Record<string, string>) {
  return browser.follow(url, CALLBACK, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
}

describe('login page connections', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    const port = await freePort();
    const issuer = `http://localhost:${port}/`;
    tenant = await createTenant({ config: config(issuer), port, issuer, dataDir: null });
  });
  afterAll(() => tenant.close());

  it('shows a button for each connection enabled for the application, and only those', async () => {
    const browser = new ScriptedBrowser();
    const page = await (await browser.follow(authorizeUrl(tenant).url)).response.text();
    expect(page).toContain('data-connection="google-oauth2"');
    expect(page).not.toContain('data-connection="github"');
    expect(page).toContain('id="signup-link"');
  });

  it('/authorize?connection=google-oauth2 opens the identity page; the typed identity signs in as google-oauth2|…', async () => {
    const browser = new ScriptedBrowser();
    const { url, verifier } = authorizeUrl(tenant, { connection: 'google-oauth2' });
    const first = await browser.follow(url);
    const page = await first.response.text();
    expect(page).toContain('Sign in with google-oauth2');
    const done = await post(browser, first.url, {
      csrf: hiddenInput(page, 'csrf') ?? '',
      state: hiddenInput(page, 'state') ?? '',
      connection: 'google-oauth2',
      action: 'identity',
      email: 'Grace@Example.test',
      name: 'Grace Hopper',
    });
    expect(done.url.startsWith(CALLBACK)).toBe(true);
    const tokens = await exchange(tenant, done.url, verifier);
    const id = decodeJwt(tokens.id_token);
    expect(String(id.sub)).toMatch(/^google-oauth2\|\d{18}$/);
    expect(id.email).toBe('grace@example.test');
    expect(id.name).toBe('Grace Hopper');

    // The same identity again is the same user; the page now offers it for one click.
    const again = new ScriptedBrowser();
    const second = await again.follow(authorizeUrl(tenant, { connection: 'google-oauth2' }).url);
    expect(await second.response.text()).toContain('Grace Hopper (grace@example.test)');

    const token = await managementToken(tenant);
    const users = await fetch(new URL(`api/v2/users/${encodeURIComponent(String(id.sub))}`, tenant.issuer), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(users.status).toBe(200);
    const user = (await users.json()) as { identities: unknown[] };
    expect(user.identities).toEqual([
      { connection: 'google-oauth2', user_id: String(id.sub).split('|')[1], provider: 'google-oauth2', isSocial: true },
    ]);
  });

  it('an application without a database connection gets only its connection buttons, no password form', async () => {
    const browser = new ScriptedBrowser();
    const url = authorizeUrl(tenant, {
      client_id: 'backoffice-0001',
      redirect_uri: 'https://app.example.test/callback',
    }).url;
    const page = await (await browser.follow(url)).response.text();
    expect(page).toContain('data-connection="github"');
    expect(page).not.toContain('name="password"');
    expect(page).not.toContain('id="signup-link"');
  });

  it('a connection not enabled for the application is refused at /authorize, as Auth0 refuses it', async () => {
    const browser = new ScriptedBrowser();
    const result = await browser.follow(authorizeUrl(tenant, { connection: 'github' }).url, CALLBACK);
    const callback = new URL(result.url);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toBe('the connection is not enabled');
  });

  it('screen_hint=signup shows the sign-up view; signing up logs the new user in', async () => {
    const browser = new ScriptedBrowser();
    const { url, verifier } = authorizeUrl(tenant, { screen_hint: 'signup' });
    const first = await browser.follow(url);
    const page = await first.response.text();
    expect(page).toContain('Create your account');
    const fields = { csrf: hiddenInput(page, 'csrf') ?? '', state: hiddenInput(page, 'state') ?? '', action: 'signup' };
    const weak = await post(browser, first.url, { ...fields, email: 'heidi@example.test', password: 'weak' });
    expect(weak.response.status).toBe(400);
    expect(await weak.response.text()).toContain('id="password-policy"');
    const done = await post(browser, first.url, {
      ...fields,
      email: 'heidi@example.test',
      password: 'Strong-Enough-1',
    });
    expect(done.url.startsWith(CALLBACK)).toBe(true);
    const id = decodeJwt((await exchange(tenant, done.url, verifier)).id_token);
    expect(String(id.sub)).toMatch(/^auth0\|/);
    expect(id.email).toBe('heidi@example.test');
  });

  it('the login view refuses a user of a database connection the application does not use', async () => {
    // Log in as the google user with a password: that user has none, and is not in the database.
    const browser = new ScriptedBrowser();
    const first = await browser.follow(authorizeUrl(tenant).url);
    const page = await first.response.text();
    const reply = await post(browser, first.url, {
      csrf: hiddenInput(page, 'csrf') ?? '',
      state: hiddenInput(page, 'state') ?? '',
      username: 'grace@example.test',
      password: '',
    });
    expect(reply.response.status).toBe(400);
    expect(await reply.response.text()).toContain('Wrong email or password.');
  });
});

async function managementToken(tenant: Tenant): Promise<string> {
  const response = await fetch(new URL('oauth/token', tenant.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: ADMIN.id,
      client_secret: ADMIN.secret,
      audience: managementApiIdentifier(tenant.issuer),
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}
