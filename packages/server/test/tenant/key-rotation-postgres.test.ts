import { setTimeout as delay } from 'node:timers/promises';
import { startPostgres, type TestPostgres } from '@authmesh/testkit';
import { AuthenticationClient, ManagementClient } from 'auth0';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import { managementApiIdentifier } from '../../src/tenant/management-api.ts';
import { ADMIN, freePort, managementConfig } from '../management/support.ts';

/*
 * Two tenant processes on one Postgres database (each with its own connection pool, as two `authmesh serve`
 * processes have) and one steered key clock, as two hosts with synchronised clocks have: a rotation made
 * through one reaches the other through the database alone, and both sign with the same key at every moment.
 * The official node `auth0` ManagementClient drives /api/v2/keys/signing.
 */

const DELAY_MS = 60_000;
const POLL_MS = 25;

let postgres: TestPostgres;
let clockMs = Date.now();
let a: Tenant;
let b: Tenant;
let issuer: string;

/** node-auth0 hard-codes https://{domain}; these tenants listen on plain http on 127.0.0.1. */
function fetchVia(tenant: Tenant): typeof fetch {
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    return fetch(new URL(`${url.pathname}${url.search}`, tenant.url), init);
  };
}

/** A ManagementClient whose token `tokenFrom` signed, calling `callTo` (by default the same process). */
async function managementClient(tokenFrom: Tenant, callTo: Tenant = tokenFrom): Promise<ManagementClient> {
  const domain = new URL(issuer).host;
  const auth = new AuthenticationClient({
    domain,
    clientId: ADMIN.clientId,
    clientSecret: ADMIN.clientSecret,
    fetch: fetchVia(tokenFrom),
  });
  const { data } = await auth.oauth.clientCredentialsGrant({ audience: managementApiIdentifier(issuer) });
  const client = new ManagementClient({ domain, token: data.access_token });
  (client as unknown as { _options: { fetch: typeof fetch } })._options.fetch = fetchVia(callTo);
  return client;
}

async function publishedKids(tenant: Tenant): Promise<string[]> {
  const jwks = (await (await fetch(new URL('.well-known/jwks.json', tenant.url))).json()) as {
    keys: { kid: string }[];
  };
  return jwks.keys.map((k) => k.kid);
}

/** Polls `tenant`'s JWKS until it equals `expected`, for at most 5 s (the other process re-reads every 25 ms). */
async function untilPublished(tenant: Tenant, expected: string[]): Promise<void> {
  const deadline = Date.now() + 5_000;
  let seen = await publishedKids(tenant);
  while (JSON.stringify(seen) !== JSON.stringify(expected)) {
    if (Date.now() > deadline) throw new Error(`JWKS is ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);
    await delay(POLL_MS);
    seen = await publishedKids(tenant);
  }
}

async function signingKid(tenant: Tenant): Promise<string> {
  const response = await fetch(new URL('oauth/token', tenant.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: ADMIN.clientId,
      client_secret: ADMIN.clientSecret,
      audience: managementApiIdentifier(issuer),
    }),
  });
  const { access_token } = (await response.json()) as { access_token: string };
  return (JSON.parse(Buffer.from(access_token.split('.')[0] ?? '', 'base64url').toString()) as { kid: string }).kid;
}

beforeAll(async () => {
  postgres = await startPostgres();
  const database = await postgres.createDatabase();
  const portA = await freePort();
  issuer = `http://localhost:${portA}/`;
  const start = (port: number) =>
    createTenant({
      config: managementConfig(issuer),
      port,
      issuer,
      database,
      keyRotation: { delayMs: DELAY_MS, pollMs: POLL_MS, now: () => clockMs },
    });
  a = await start(portA);
  b = await start(0);
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await postgres?.stop();
});

describe('signing-key rotation across two tenant processes on one Postgres database', () => {
  it('rotate on one, the other publishes the next key before it signs; both switch at the same moment; revoke on the other reaches the first', async () => {
    const [oldKid] = await publishedKids(a);
    expect(await publishedKids(b)).toEqual([oldKid]);
    const onA = await managementClient(a);
    const onB = await managementClient(b);

    const rotated = await onA.keys.signing.rotate();
    expect(rotated.cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const nextKid = rotated.kid;
    await untilPublished(b, [oldKid ?? '', nextKid]);
    expect(await publishedKids(a)).toEqual([oldKid, nextKid]);
    expect([await signingKid(a), await signingKid(b)]).toEqual([oldKid, oldKid]);

    const listed = await onB.keys.signing.list();
    expect(listed.find((k) => k.kid === nextKid)).toMatchObject({ next: true, current: false });
    expect(listed.find((k) => k.kid === oldKid)).toMatchObject({ current: true, next: false });
    const got = await onB.keys.signing.get(nextKid);
    expect(got).toMatchObject({ kid: nextKid, cert: rotated.cert, revoked: false });
    expect(got.thumbprint).toMatch(/^[0-9A-F]{40}$/);

    clockMs += DELAY_MS - 1;
    expect([await signingKid(a), await signingKid(b)]).toEqual([oldKid, oldKid]);
    clockMs += 1;
    expect([await signingKid(a), await signingKid(b)]).toEqual([nextKid, nextKid]);
    // A token one process signed with the new key is accepted by the other (its Management API here).
    expect((await (await managementClient(a, b)).keys.signing.get(nextKid)).current).toBe(true);

    const revoked = await (await managementClient(b)).keys.signing.revoke(oldKid ?? '');
    expect(revoked.kid).toBe(oldKid);
    expect(await publishedKids(b)).toEqual([nextKid]);
    await untilPublished(a, [nextKid]);
    // onA's token was signed by the revoked key: refused by both processes.
    await expect(onA.keys.signing.list()).rejects.toMatchObject({ statusCode: 401 });
  });
});
