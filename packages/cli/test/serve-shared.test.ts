import { startPostgres, type TestPostgres } from '@authmesh/testkit';
import { AuthenticationClient, ManagementClient } from 'auth0';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jwksKids, killLeftovers, tokenRequest } from './support/cli.ts';
import {
  ADMIN,
  API,
  DOOMED,
  machineToken,
  OTHER_USER,
  passwordToken,
  ROTATION_DELAY_S,
  repeatUntil,
  type ServeProcess,
  startPair,
  THIRD_USER,
  USER,
  WEB,
  WEB_LEEWAY,
  WORKER,
} from './support/shared-tenant.ts';

/*
 * Two `authmesh serve` processes on one Postgres database: what one process is told through /api/v2 (a new
 * or deleted grant, a rotated secret, a blocked user, tenant settings) the other enforces within a second;
 * brute-force blocks and refresh-token reuse detection hold across them.
 */

/** How long the other process may take to enforce a change made through /api/v2. */
const PROPAGATION_MS = 1_000;

let server: TestPostgres;
let database: string;
let a: ServeProcess;
let b: ServeProcess;
let issuer: string;
let management: ManagementClient;

/** node-auth0 hard-codes https://{domain}; the tenant here is http, so the transport rewrites the scheme. */
const httpFetch: typeof fetch = (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  return fetch(url.replace(/^https:\/\//, 'http://'), init);
};

beforeAll(async () => {
  server = await startPostgres();
  database = await server.createDatabase();
  ({ a, b, issuer } = await startPair(database));
  // The Management API is called on A only (the issuer's host is A's port).
  const domain = new URL(issuer).host;
  const auth = new AuthenticationClient({ domain, ...toSdk(ADMIN), fetch: httpFetch });
  const { data } = await auth.oauth.clientCredentialsGrant({ audience: `${issuer}api/v2/` });
  management = new ManagementClient({ domain, token: data.access_token });
  (management as unknown as { _options: { fetch: typeof fetch } })._options.fetch = httpFetch;
}, 60_000);

afterAll(async () => {
  for (const { cli } of [a, b]) await cli?.stop('SIGTERM', 20_000).catch(() => {});
  await killLeftovers();
  await server?.stop();
});

function toSdk(client: { client_id: string; client_secret: string }) {
  return { clientId: client.client_id, clientSecret: client.client_secret };
}

it('a client grant created on A is honoured by B within a second, and its deletion too', async () => {
  expect((await machineToken(b.url, WORKER)).json).toMatchObject({ error: 'access_denied' });

  const grant = await management.clientGrants.create({
    client_id: WORKER.client_id,
    audience: API,
    scope: ['read:stock'],
  });
  const granted = await repeatUntil(
    () => machineToken(b.url, WORKER),
    (r) => r.status === 200,
    PROPAGATION_MS,
  );
  expect(granted.status, granted.text).toBe(200);

  await management.clientGrants.delete(String(grant.id));
  const refused = await repeatUntil(
    () => machineToken(b.url, WORKER),
    (r) => r.status !== 200,
    PROPAGATION_MS,
  );
  expect(refused.json).toMatchObject({ error: 'access_denied' });
}, 30_000);

it('a client secret rotated on A is the only one B accepts within a second', async () => {
  await management.clientGrants.create({ client_id: WORKER.client_id, audience: API, scope: ['read:stock'] });
  await repeatUntil(
    () => machineToken(b.url, WORKER),
    (r) => r.status === 200,
    PROPAGATION_MS,
  );

  const rotated = await management.clients.rotateSecret(WORKER.client_id);
  const fresh = { client_id: WORKER.client_id, client_secret: String(rotated.client_secret) };
  expect(fresh.client_secret).not.toBe(WORKER.client_secret);
  const oldRefused = await repeatUntil(
    () => machineToken(b.url, WORKER),
    (r) => r.status !== 200,
    PROPAGATION_MS,
  );
  expect(oldRefused.status).toBe(401);
  expect(oldRefused.json).toMatchObject({ error: 'access_denied' });
  expect((await machineToken(b.url, fresh)).status).toBe(200);
}, 30_000);

it('a client deleted on A is unknown to B within a second', async () => {
  expect((await machineToken(b.url, DOOMED, `${issuer}api/v2/`)).status).toBe(200);
  await management.clients.delete(DOOMED.client_id);
  const refused = await repeatUntil(
    () => machineToken(b.url, DOOMED, `${issuer}api/v2/`),
    (r) => r.status !== 200,
    PROPAGATION_MS,
  );
  expect(refused.status).toBe(401);
  expect(refused.json).toMatchObject({ error: 'access_denied' });
}, 30_000);

it('a user blocked on A is refused on B', async () => {
  expect((await passwordToken(b.url, OTHER_USER)).status).toBe(200);
  const users = await management.users.listUsersByEmail({ email: OTHER_USER.email });
  const userId = String(users[0]?.user_id);
  await management.users.update(userId, { blocked: true });

  const refused = await passwordToken(b.url, OTHER_USER);
  // Auth0's password grant does not tell a blocked user from a wrong password.
  expect(refused.status).toBe(403);
  expect(refused.json).toMatchObject({ error: 'invalid_grant', error_description: 'Wrong email or password.' });
}, 30_000);

it('a brute-force block reached through A holds on B, for that user only', async () => {
  const wrong = { ...USER, password: 'not-the-password' };
  let last = await passwordToken(a.url, wrong);
  for (let attempt = 1; attempt < 10; attempt++) last = await passwordToken(a.url, wrong);
  expect(last.json).toMatchObject({ error: 'invalid_grant' });

  // The right password, on the other process: still blocked (Auth0's answer to a blocked pair).
  const onB = await passwordToken(b.url, USER);
  expect(onB.status, onB.text).toBe(429);
  expect(onB.json).toMatchObject({ error: 'too_many_attempts' });
  expect((await passwordToken(b.url, THIRD_USER)).status).toBe(200);
}, 30_000);

it('a refresh token rotated on A and presented again on B revokes the family on both', async () => {
  const login = await passwordToken(a.url, THIRD_USER, 'openid offline_access');
  expect(login.status, login.text).toBe(200);
  const original = String(login.json.refresh_token);
  const rotated = await tokenRequest(a.url, { grant_type: 'refresh_token', ...WEB, refresh_token: original });
  expect(rotated.status, rotated.text).toBe(200);
  const successor = String(rotated.json.refresh_token);
  expect(successor).not.toBe(original);

  const reused = await tokenRequest(b.url, { grant_type: 'refresh_token', ...WEB, refresh_token: original });
  expect(reused.json).toMatchObject({ error: 'invalid_grant' });
  // Reuse detection revoked the whole family: the successor is dead on A too.
  const afterReuse = await tokenRequest(a.url, { grant_type: 'refresh_token', ...WEB, refresh_token: successor });
  expect(afterReuse.json).toMatchObject({ error: 'invalid_grant' });
}, 30_000);

it('the rotation overlap period holds across processes: the same successor, one rotation for parallel refreshes', async () => {
  const login = await passwordToken(a.url, THIRD_USER, 'openid offline_access', WEB_LEEWAY);
  expect(login.status, login.text).toBe(200);
  const original = String(login.json.refresh_token);
  const refresh = (url: string, token: string) =>
    tokenRequest(url, { grant_type: 'refresh_token', ...WEB_LEEWAY, refresh_token: token });

  const rotated = await refresh(a.url, original);
  expect(rotated.status, rotated.text).toBe(200);
  const successor = String(rotated.json.refresh_token);
  // The rotated token again, on B, within the leeway: not reuse; B hands back A's successor.
  const retried = await refresh(b.url, original);
  expect(retried.status, retried.text).toBe(200);
  expect(retried.json.refresh_token).toBe(successor);

  // What the database holds of the family: the successor sealed, never in clear.
  const stored = await databaseRows("SELECT value::text AS value FROM counters WHERE key LIKE '%refresh-overlap%'");
  expect(stored.length).toBeGreaterThan(0);
  for (const row of stored) {
    expect(row.value).not.toContain(successor);
    expect(row.value).not.toContain(original);
  }

  // The successor refreshed on A and B at once: rotated once, both answers name the same next token.
  const parallel = await Promise.all([refresh(a.url, successor), refresh(b.url, successor)]);
  for (const reply of parallel) expect(reply.status, reply.text).toBe(200);
  expect(parallel[0]?.json.refresh_token).toBe(parallel[1]?.json.refresh_token);
  expect(parallel[0]?.json.refresh_token).not.toBe(successor);
  // And the family is alive: the newest token refreshes.
  expect((await refresh(b.url, String(parallel[0]?.json.refresh_token))).status).toBe(200);
}, 30_000);

it('tenant settings PATCHed on A are B’s within a second', async () => {
  await management.tenants.settings.update({ friendly_name: 'Shared, renamed' });
  const token = String(
    (
      await tokenRequest(a.url, {
        grant_type: 'client_credentials',
        ...ADMIN,
        audience: `${issuer}api/v2/`,
      })
    ).json.access_token,
  );
  const settingsOnB = async () => {
    const response = await fetch(new URL('api/v2/tenants/settings', b.url), {
      headers: { authorization: `Bearer ${token}` },
    });
    return (await response.json()) as { friendly_name?: string };
  };
  const settings = await repeatUntil(settingsOnB, (s) => s.friendly_name === 'Shared, renamed', PROPAGATION_MS);
  expect(settings.friendly_name).toBe('Shared, renamed');
}, 30_000);

async function databaseRows(sql: string): Promise<{ value: string }[]> {
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    return (await client.query<{ value: string }>(sql)).rows;
  } finally {
    await client.end();
  }
}

it('a key rotated through A is published by both at once and signs only after --rotation-delay', async () => {
  const before = await jwksKids(a.url);
  const rotated = await management.keys.signing.rotate();
  const both = await repeatUntil(
    async () => [await jwksKids(a.url), await jwksKids(b.url)],
    ([onA, onB]) => Boolean(onA?.includes(rotated.kid) && onB?.includes(rotated.kid)),
    PROPAGATION_MS,
  );
  expect(both).toStrictEqual([
    [...before, rotated.kid],
    [...before, rotated.kid],
  ]);
  const stored = await keySet();
  const next = stored.keys.find((key) => key.jwk.kid === rotated.kid);
  expect(next && next.activates_at - next.created_at).toBe(ROTATION_DELAY_S * 1_000);
}, 30_000);

/** The stored signing-key set (state row `keys:signing:set`), read with a connection of the test's own. */
async function keySet(): Promise<{ keys: { jwk: { kid: string }; created_at: number; activates_at: number }[] }> {
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT value FROM state WHERE key = 'keys:signing:set'");
    return rows[0]?.value;
  } finally {
    await client.end();
  }
}
