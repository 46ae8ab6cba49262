import { createTenant, type Tenant, type TenantConfig } from '@authmesh/server';
import { fixtureConfig, freePort } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BearerError, createVerifier, type Verifier } from '../../src/index.ts';
import { aliceTokens, CATALOG, m2mToken } from './support/real-tenant.ts';

/**
 * Signing-key rotation seen by an API on this SDK, against the real tenant. The tenant's key clock and the
 * SDK's key-cache clock are one steered clock, so the rotation delay (the tenant's default, 10 minutes) and
 * the SDK's cache lifetime and refetch cooldown (its defaults) play out as they would in real time, without
 * waiting. Token times (`iat`, `exp`) stay on the wall clock.
 */

const KEYS_ADMIN = { clientId: 'keys-admin-0001', clientSecret: 'keys-admin-secret-0123456789abcdef0123456789' };
const STEP_MS = 15_000;
const DEFAULT_DELAY_MS = 600_000;
/** The fixture's longest token lifetime is the 24 h floor (no API or client lives longer). */
const RETIRE_AFTER_MS = 86_400_000;

let clockMs = Date.now();
let tenant: Tenant;

function configWithKeysAdmin(issuer: string): TenantConfig {
  const base = fixtureConfig();
  const template = base.clients.find((c) => c.app_type === 'non_interactive');
  if (!template) throw new Error('fixture has no machine client');
  return {
    ...base,
    clients: [
      ...base.clients,
      { ...template, name: 'Keys Admin', client_id: KEYS_ADMIN.clientId, client_secret: KEYS_ADMIN.clientSecret },
    ],
    clientGrants: [
      ...base.clientGrants,
      {
        client_id: 'Keys Admin',
        audience: `${issuer}api/v2/`,
        scope: ['create:signing_keys', 'read:signing_keys', 'update:signing_keys'],
      },
    ],
  };
}

async function managementToken(): Promise<string> {
  const response = await fetch(new URL('oauth/token', tenant.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: KEYS_ADMIN.clientId,
      client_secret: KEYS_ADMIN.clientSecret,
      audience: `${tenant.issuer}api/v2/`,
    }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function management(method: string, path: string, token: string): Promise<{ status: number; json: unknown }> {
  const response = await fetch(new URL(`api/v2${path}`, tenant.issuer), {
    method,
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
}

async function publishedKids(): Promise<string[]> {
  const jwks = (await (await fetch(new URL('.well-known/jwks.json', tenant.issuer))).json()) as {
    keys: { kid: string }[];
  };
  return jwks.keys.map((k) => k.kid);
}

function kidOf(token: string): string {
  const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid: string };
  return header.kid;
}

/** An API on the SDK with its default key caching, on the steered clock. */
function apiVerifier(): Verifier {
  return createVerifier(
    { issuerBaseURL: tenant.issuer, audience: CATALOG },
    { keyClock: { now: () => clockMs, random: () => 0.5 } },
  );
}

beforeAll(async () => {
  const port = await freePort();
  const issuer = `http://localhost:${port}/`;
  tenant = await createTenant({
    config: configWithKeysAdmin(issuer),
    port,
    issuer,
    dataDir: null,
    keyRotation: { now: () => clockMs },
  });
});
afterAll(() => tenant?.close());

describe('signing-key rotation, as an API on @authmesh/api sees it', () => {
  it('publishes the next key first, signs with it after the delay, keeps the old key until its tokens expired; the API never fails', async () => {
    const api = apiVerifier();
    const before = await m2mToken(tenant);
    const oldKid = kidOf(before);
    await api.verify(before);

    const rotatedAt = clockMs;
    const rotated = await management('POST', '/keys/signing/rotate', await managementToken());
    expect(rotated.status).toBe(201);
    const { kid: nextKid, cert } = rotated.json as { kid: string; cert: string };
    expect(cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(nextKid).not.toBe(oldKid);

    // Published at once, not signing yet.
    expect(await publishedKids()).toEqual([oldKid, nextKid]);
    expect(kidOf(await m2mToken(tenant))).toBe(oldKid);

    // The API verifies a fresh token and the first one at every step through the activation.
    const seen: { at: number; kid: string }[] = [];
    while (clockMs < rotatedAt + DEFAULT_DELAY_MS + 4 * STEP_MS) {
      clockMs += STEP_MS;
      const token = await m2mToken(tenant);
      seen.push({ at: clockMs - rotatedAt, kid: kidOf(token) });
      await expect(api.verify(token)).resolves.toMatchObject({ claims: { aud: CATALOG } });
      await expect(api.verify(before)).resolves.toMatchObject({ claims: { aud: CATALOG } });
    }
    expect(seen.filter((s) => s.at < DEFAULT_DELAY_MS).every((s) => s.kid === oldKid)).toBe(true);
    expect(seen.filter((s) => s.at >= DEFAULT_DELAY_MS).every((s) => s.kid === nextKid)).toBe(true);
    expect(seen.some((s) => s.kid === nextKid)).toBe(true);

    // The previous key stays until every token it signed has expired, then leaves the JWKS.
    expect(await publishedKids()).toEqual([nextKid, oldKid]);
    clockMs = rotatedAt + DEFAULT_DELAY_MS + RETIRE_AFTER_MS - 1;
    expect(await publishedKids()).toEqual([nextKid, oldKid]);
    clockMs += 1;
    expect(await publishedKids()).toEqual([nextKid]);
    await expect(apiVerifier().verify(before)).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID' });
  });

  it('revoking the previous key removes it at once: the tenant and a fresh API refuse its tokens', async () => {
    const signedByOld = await managementToken();
    const apiTokenByOld = await m2mToken(tenant);
    const oldKid = kidOf(signedByOld);
    const rotated = await management('POST', '/keys/signing/rotate', signedByOld);
    expect(rotated.status).toBe(201);
    const { kid: nextKid } = rotated.json as { kid: string };

    // The signing key cannot be revoked.
    const refused = await management('PUT', `/keys/signing/${encodeURIComponent(oldKid)}/revoke`, signedByOld);
    expect(refused.status).toBe(400);

    clockMs += DEFAULT_DELAY_MS;
    const signedByNext = await managementToken();
    expect(kidOf(signedByNext)).toBe(nextKid);
    // A login now gets an ID token and an access token signed by the new key.
    const login = await aliceTokens(tenant);
    expect([kidOf(login.idToken), kidOf(login.accessToken)]).toEqual([nextKid, nextKid]);
    await expect(apiVerifier().verify(login.accessToken)).resolves.toMatchObject({
      claims: { sub: expect.any(String) },
    });
    const listed = await management('GET', '/keys/signing', signedByNext);
    expect(listed.json).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kid: nextKid, current: true, next: false, previous: false }),
        expect.objectContaining({ kid: oldKid, current: false, previous: true, revoked: false }),
      ]),
    );

    const revoked = await management('PUT', `/keys/signing/${encodeURIComponent(oldKid)}/revoke`, signedByNext);
    expect(revoked).toMatchObject({ status: 200, json: { kid: oldKid } });
    expect(await publishedKids()).toEqual([nextKid]);
    expect((await management('GET', '/keys/signing', signedByOld)).status).toBe(401);
    const error = await apiVerifier()
      .verify(apiTokenByOld)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BearerError);
    expect(error).toMatchObject({ code: 'ERR_TOKEN_INVALID' });
    const got = await management('GET', `/keys/signing/${encodeURIComponent(oldKid)}`, signedByNext);
    expect(got.json).toMatchObject({ kid: oldKid, revoked: true, current: false, previous: false });
  });
});
