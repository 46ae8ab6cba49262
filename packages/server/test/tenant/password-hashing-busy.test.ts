import { hiddenInput, ScriptedBrowser } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantConfig } from '../../src/config/types.ts';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import type { PasswordHashingPool } from '../../src/tenant/password-pool.ts';
import { ADMIN, api, freePort, managementConfig, managementToken } from '../management/support.ts';
import { gatedPool, type HashingGate, hashingGate, until } from './fixtures/hashing-gate.ts';

/*
 * A tenant whose password-hashing queue is full answers 503 with `Retry-After` in each endpoint's own
 * shape, instead of queueing without bound: the password grant (OAuth JSON), the login page and the reset
 * page (the form again, with the message), /dbconnections/signup (its error body) and the Management API
 * (Auth0's error body); once the queue has room, the same request succeeds. The tenant runs with one hashing
 * thread and one queue place, on stand-in workers that hash only while the test's gate is open: two
 * password grants fill it (one hashing, one waiting), deterministically, and the request under test is
 * the third.
 */

const BACK_OFFICE = { id: 'backoffice-0001', secret: 'backoffice-secret-0123456789abcdef0123456789ab' };
const ALICE = { username: 'alice@example.test', password: 'correct horse battery staple' };
const SPA = { clientId: 'spa-client-0001', redirectUri: 'http://localhost:5173/callback' };

let tenant: Tenant;
let pool: PasswordHashingPool;
let gate: HashingGate;

function config(issuer: string): TenantConfig {
  const base = managementConfig(issuer);
  return {
    ...base,
    tenant: { ...base.tenant, default_directory: 'Username-Password-Authentication' },
    clients: base.clients.map((c) =>
      c.name === 'Back Office' ? { ...c, grant_types: [...c.grant_types, 'password'] as typeof c.grant_types } : c,
    ),
  };
}

beforeAll(async () => {
  gate = hashingGate();
  pool = gatedPool({ threads: 1, maxQueue: 1 }, gate);
  const port = await freePort();
  const issuer = `http://localhost:${port}/`;
  // Open while the fixture's users are seeded; each test shuts it to hold the pool.
  gate.open();
  tenant = await createTenant({ config: config(issuer), port, issuer, dataDir: null, passwordHashing: pool });
});
afterAll(async () => {
  gate.open();
  await tenant?.close();
  await pool?.close();
});

function passwordGrant(password = ALICE.password) {
  return fetch(new URL('oauth/token', tenant.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'password',
      client_id: BACK_OFFICE.id,
      client_secret: BACK_OFFICE.secret,
      username: ALICE.username,
      password,
    }),
  });
}

/**
 * Shuts the gate and fills the pool with two password grants (one hashing, one queued); returns them,
 * to be awaited after `gate.open()`.
 */
async function saturate(): Promise<Promise<Response>[]> {
  gate.shut();
  const first = passwordGrant();
  await until(() => pool.stats.busy === 1, 'a password grant is hashing');
  const second = passwordGrant();
  await until(() => pool.stats.queued === 1, 'a second password grant is waiting');
  return [first, second];
}

async function release(held: Promise<Response>[]): Promise<void> {
  gate.open();
  for (const response of await Promise.all(held)) {
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty('access_token');
  }
  expect(pool.stats).toMatchObject({ busy: 0, queued: 0 });
}

describe('a full password-hashing queue', () => {
  it('the password grant answers 503 temporarily_unavailable with Retry-After; the held grants succeed', async () => {
    const held = await saturate();
    const refused = await passwordGrant();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect(await refused.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'Too many logins are being checked at this moment. Retry later.',
    });
    await release(held);
  });

  it('the login page answers 503 with the form and the message; the same browser logs in once it clears', async () => {
    const browser = new ScriptedBrowser();
    const authorize = new URL('authorize', tenant.issuer);
    for (const [k, v] of Object.entries({
      client_id: SPA.clientId,
      response_type: 'code',
      redirect_uri: SPA.redirectUri,
      scope: 'openid',
      state: 'st',
      nonce: 'no',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }))
      authorize.searchParams.set(k, v);
    const page = await browser.follow(authorize, SPA.redirectUri);
    expect(page.response.status).toBe(200);
    const post = (html: string) =>
      browser.follow(page.url, SPA.redirectUri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          username: ALICE.username,
          password: ALICE.password,
          csrf: hiddenInput(html, 'csrf') ?? '',
          state: hiddenInput(html, 'state') ?? '',
        }),
      });

    const held = await saturate();
    const refused = await post(await page.response.text());
    expect(refused.response.status).toBe(503);
    expect(refused.response.headers.get('retry-after')).toBe('1');
    const busyPage = await refused.response.text();
    expect(busyPage).toContain('Too many people are logging in at this moment. Try again in a few seconds.');
    expect(busyPage).toContain(`value="${ALICE.username}"`);
    await release(held);

    // The page came back with a fresh form: submitting it again completes the login.
    const retried = await post(busyPage);
    expect(retried.url.startsWith(SPA.redirectUri)).toBe(true);
    expect(new URL(retried.url).searchParams.get('code')).toBeTruthy();
  });

  it('/dbconnections/signup answers 503 in its error shape with Retry-After, and creates nothing', async () => {
    const signup = () =>
      fetch(new URL('dbconnections/signup', tenant.issuer), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: SPA.clientId,
          connection: 'Username-Password-Authentication',
          email: 'dave@example.test',
          password: 'a long and good Passw0rd!',
        }),
      });
    const held = await saturate();
    const refused = await signup();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({
      name: 'ServiceUnavailableError',
      code: 'temporarily_unavailable',
      description: 'Too many sign-ups are being processed at this moment. Retry later.',
      statusCode: 503,
    });
    await release(held);
    expect((await signup()).status).toBe(200);
  });

  it('the password-reset page answers 503 with the form and the message; the ticket still works afterwards', async () => {
    const asked = await fetch(new URL('dbconnections/change_password', tenant.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: SPA.clientId,
        connection: 'Username-Password-Authentication',
        email: 'bob@example.test',
      }),
    });
    expect(asked.status).toBe(200);
    const outbox = await (await fetch(new URL('u/outbox', tenant.issuer))).text();
    const link = /href="([^"]*reset-password\?ticket=[^"]+)"/.exec(outbox)?.[1]?.replaceAll('&#38;', '&');
    const ticket = new URL(String(link)).searchParams.get('ticket') ?? '';
    expect(ticket).not.toBe('');
    const reset = () =>
      fetch(new URL('u/reset-password', tenant.issuer), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ticket, password: 'Brand-New-Pass-9' }),
      });

    const held = await saturate();
    const refused = await reset();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.text()).toContain('The server is busy at this moment. Try again in a few seconds.');
    await release(held);
    const done = await reset();
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Password changed!');
  });

  it('POST /api/v2/users answers 503 in Auth0 error shape with Retry-After, and creates nothing', async () => {
    const token = await managementToken(tenant.issuer, ADMIN);
    const held = await saturate();
    const body = {
      connection: 'Username-Password-Authentication',
      email: 'carol@example.test',
      password: 'a long password',
    };
    const refused = await api(tenant.issuer, 'POST', '/users', { token, body });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.json).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Too many passwords are being hashed at this moment. Retry later.',
      errorCode: 'too_busy',
    });
    await release(held);
    const lookup = await api(tenant.issuer, 'GET', '/users-by-email?email=carol%40example.test', { token });
    expect(lookup.json).toEqual([]);
    // Once the queue has room, the same request succeeds.
    expect((await api(tenant.issuer, 'POST', '/users', { token, body })).status).toBe(201);
  });
});
