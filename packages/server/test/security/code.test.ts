import { loginForCode } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { ALICE, BACKOFFICE, CATALOG, type JsonReply, SPA, startTenant, tokenRequest } from './helpers.ts';

/**
 * Authorization-code security (docs/security.md, "Authorization codes"): single use, revocation on replay,
 * atomic redemption, binding to client and redirect_uri, and the token endpoint's cache headers.
 * Statuses follow Auth0 (403 `invalid_grant`), not RFC 6749's 400.
 */
let tenant: Tenant;
let issuer: string;

beforeAll(async () => {
  tenant = await startTenant();
  issuer = tenant.issuer;
});
afterAll(() => tenant?.close());

/** A fresh SPA login for alice with offline access on the catalog API (so a refresh token is issued). */
function spaLogin() {
  return loginForCode({
    issuer,
    clientId: SPA.clientId,
    redirectUri: SPA.redirectUri,
    ...ALICE,
    scope: 'openid offline_access read:catalog',
    audience: CATALOG,
  });
}

function redeem(code: string, verifier: string, extra: Record<string, string> = {}): Promise<JsonReply> {
  return tokenRequest(issuer, {
    grant_type: 'authorization_code',
    client_id: SPA.clientId,
    code,
    code_verifier: verifier,
    redirect_uri: SPA.redirectUri,
    ...extra,
  });
}

function refresh(refreshToken: string): Promise<JsonReply> {
  return tokenRequest(issuer, { grant_type: 'refresh_token', client_id: SPA.clientId, refresh_token: refreshToken });
}

function expectInvalidCode(reply: JsonReply): void {
  expect(reply.status).toBe(403);
  expect(reply.json).toEqual({ error: 'invalid_grant', error_description: 'Invalid authorization code' });
  expect(reply.json.access_token).toBeUndefined();
}

describe('authorization code', () => {
  it('RFC 6749 §4.1.2: a replayed code → 403 invalid_grant, and the refresh token of the first redemption is revoked', async () => {
    const { code, verifier } = await spaLogin();
    const first = await redeem(code, verifier);
    expect(first.status).toBe(200);
    expect(typeof first.json.access_token).toBe('string');
    expect(typeof first.json.refresh_token).toBe('string');

    const replay = await redeem(code, verifier);
    expectInvalidCode(replay);

    const refreshed = await refresh(first.json.refresh_token as string);
    expect(refreshed.status).toBe(403);
    expect(refreshed.json).toEqual({ error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' });
    expect(refreshed.json.access_token).toBeUndefined();
  });

  it('RFC 6749 §4.1.2: a replay also deactivates the opaque access token of the first redemption at /userinfo', async () => {
    // Without an audience the access token is opaque and stored, so the engine can revoke it. (JWT access
    // tokens for an API are stateless: they stay valid until `exp`, bounded by the API's token_lifetime.)
    const { code, verifier } = await loginForCode({
      issuer,
      clientId: SPA.clientId,
      redirectUri: SPA.redirectUri,
      ...ALICE,
      scope: 'openid profile offline_access',
    });
    const first = await redeem(code, verifier);
    expect(first.status).toBe(200);
    const accessToken = first.json.access_token as string;
    expect(accessToken.split('.')).toHaveLength(1);
    const userinfo = () =>
      fetch(new URL('userinfo', issuer), { headers: { authorization: `Bearer ${accessToken}` } }).then(async (r) => {
        await r.body?.cancel();
        return r.status;
      });
    expect(await userinfo()).toBe(200);
    expectInvalidCode(await redeem(code, verifier));
    expect(await userinfo()).toBe(401);
  });

  it('RFC 6749 §4.1.2 (control): without a replay the same refresh token works', async () => {
    // Guards the test above: the refresh is refused because of the replay, not because refresh is broken.
    const { code, verifier } = await spaLogin();
    const first = await redeem(code, verifier);
    expect(first.status).toBe(200);
    const refreshed = await refresh(first.json.refresh_token as string);
    expect(refreshed.status).toBe(200);
    expect(typeof refreshed.json.access_token).toBe('string');
  });

  it('RFC 6749 §4.1.2: 20 parallel redemptions of one code → exactly one 200, 19 invalid_grant, at most one live refresh token', async () => {
    // Several rounds, as a race that is lost only sometimes is still a race.
    for (let round = 0; round < 5; round++) {
      const { code, verifier } = await spaLogin();
      const replies = await Promise.all(Array.from({ length: 20 }, () => redeem(code, verifier)));
      const ok = replies.filter((r) => r.status === 200);
      const failed = replies.filter((r) => r.status !== 200);
      expect(ok, `round ${round}`).toHaveLength(1);
      expect(failed, `round ${round}`).toHaveLength(19);
      for (const reply of failed) expectInvalidCode(reply);

      // Never two token sets: however the race ended, at most one refresh token can still be used.
      const refreshTokens = replies.map((r) => r.json.refresh_token).filter((t): t is string => typeof t === 'string');
      expect(refreshTokens.length).toBeLessThanOrEqual(1);
      const usable = (await Promise.all(refreshTokens.map(refresh))).filter((r) => r.status === 200);
      expect(usable.length).toBeLessThanOrEqual(1);
    }
  });

  it("RFC 6749 §4.1.3: the SPA's code redeemed by the backoffice client with its own secret → 403 invalid_grant", async () => {
    const { code, verifier } = await spaLogin();
    const stolen = await tokenRequest(issuer, {
      grant_type: 'authorization_code',
      client_id: BACKOFFICE.clientId,
      client_secret: BACKOFFICE.clientSecret,
      code,
      code_verifier: verifier,
      redirect_uri: SPA.redirectUri,
    });
    expectInvalidCode(stolen);
  });

  it('RFC 6749 §4.1.3: …also with the backoffice redirect_uri', async () => {
    const { code, verifier } = await spaLogin();
    const stolen = await tokenRequest(issuer, {
      grant_type: 'authorization_code',
      client_id: BACKOFFICE.clientId,
      client_secret: BACKOFFICE.clientSecret,
      code,
      code_verifier: verifier,
      redirect_uri: BACKOFFICE.redirectUri,
    });
    expectInvalidCode(stolen);
  });

  it('RFC 6749 §4.1.3: a different redirect_uri at the token endpoint → 403 invalid_grant', async () => {
    const { code, verifier } = await spaLogin();
    for (const redirectUri of [
      'http://localhost:5173/callback/',
      'http://localhost:5173/other',
      'https://app.example.test/callback',
    ]) {
      expectInvalidCode(await redeem(code, verifier, { redirect_uri: redirectUri }));
    }
  });

  it('RFC 6749 §4.1.3 (control): the bound client with the bound redirect_uri still redeems the code after the failed attempts', async () => {
    // Failed binding checks must not be what made the code unusable in the tests above.
    const { code, verifier } = await spaLogin();
    expectInvalidCode(await redeem(code, verifier, { redirect_uri: 'http://localhost:5173/other' }));
    const ok = await redeem(code, verifier);
    expect(ok.status).toBe(200);
  });

  it('RFC 6749 §5.1: token responses (success and error) carry Cache-Control: no-store and a JSON content type', async () => {
    const { code, verifier } = await spaLogin();
    const replies = {
      success: await redeem(code, verifier),
      replay: await redeem(code, verifier),
      garbage: await redeem('not-a-code', verifier),
      unsupported: await tokenRequest(issuer, { grant_type: 'urn:example:nope', client_id: SPA.clientId }),
    };
    expect(replies.success.status).toBe(200);
    for (const [name, reply] of Object.entries(replies)) {
      expect(reply.headers.get('cache-control'), name).toBe('no-store');
      expect(reply.headers.get('content-type'), name).toMatch(/^application\/json(;|$)/);
      expect(() => JSON.parse(reply.text), name).not.toThrow();
    }
    expect(replies.success.json.token_type).toBe('Bearer');
    expect(replies.success.json.expires_in).toBe(3600);
    expect(replies.unsupported.status).toBeGreaterThanOrEqual(400);
    expect(replies.unsupported.json.error).toBe('unsupported_grant_type');
  });
});
