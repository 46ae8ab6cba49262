import { loginForCode, pkcePair, type ScriptedBrowser } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/index.ts';
import { managementApiIdentifier } from '../../src/tenant/management-api.ts';
import { authorizeUrl, SPA, tokenRequest } from '../security/helpers.ts';
import { ADMIN, bind, CATALOG, errorBody, managementToken, startManagementTenant } from './support.ts';
import { userAccessToken } from './user-login.ts';

/*
 * A password change or a block through /api/v2 ends what the user already holds: refresh tokens stop
 * working, the SSO session is gone (prompt=none answers login_required), and a blocked user's own
 * Management API token is refused at once, not when it expires. Other users keep theirs.
 */

let tenant: Tenant;
let admin: ReturnType<typeof bind>;
let users = 0;

beforeAll(async () => {
  tenant = await startManagementTenant();
  admin = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
});
afterAll(() => tenant?.close());

interface SignedIn {
  userId: string;
  credentials: { username: string; password: string };
  browser: ScriptedBrowser;
  refreshToken: string;
}

/** A new user, signed in through the SPA: an SSO session in `browser` and a refresh token. */
async function signedInUser(): Promise<SignedIn> {
  const credentials = { username: `user-${++users}@revocation.test`, password: `first password ${users}` };
  const created = await admin('POST', '/users', {
    body: {
      connection: 'Username-Password-Authentication',
      email: credentials.username,
      password: credentials.password,
    },
  });
  expect(created.status).toBe(201);
  const login = await loginForCode({
    issuer: tenant.issuer,
    clientId: SPA.clientId,
    redirectUri: SPA.redirectUri,
    ...credentials,
    audience: CATALOG,
    scope: 'openid offline_access read:catalog',
  });
  const tokens = await tokenRequest(tenant.issuer, {
    grant_type: 'authorization_code',
    client_id: SPA.clientId,
    code: login.code,
    code_verifier: login.verifier,
    redirect_uri: SPA.redirectUri,
  });
  expect(tokens.status).toBe(200);
  return {
    userId: String((created.json as { user_id: string }).user_id),
    credentials,
    browser: login.browser,
    refreshToken: String(tokens.json.refresh_token),
  };
}

/** Exchanges the refresh token; on success the rotated one replaces it. */
async function refresh(user: SignedIn): Promise<{ status: number; error: unknown }> {
  const reply = await tokenRequest(tenant.issuer, {
    grant_type: 'refresh_token',
    client_id: SPA.clientId,
    refresh_token: user.refreshToken,
  });
  if (reply.status === 200) user.refreshToken = String(reply.json.refresh_token);
  return { status: reply.status, error: reply.json.error };
}

/** spa-js silent authentication: `code` while the SSO session lives, `login_required` once it is gone. */
async function silentAuth(user: SignedIn): Promise<string> {
  const url = authorizeUrl(tenant.issuer, {
    client_id: SPA.clientId,
    response_type: 'code',
    redirect_uri: SPA.redirectUri,
    scope: 'openid',
    state: 'silent',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
    prompt: 'none',
  });
  const { url: landed } = await user.browser.follow(url, SPA.redirectUri);
  expect(landed.startsWith(SPA.redirectUri), `prompt=none ended at ${landed}`).toBe(true);
  const params = new URL(landed).searchParams;
  return params.get('code') ? 'code' : String(params.get('error'));
}

const u = (id: string) => `/users/${encodeURIComponent(id)}`;

describe('signing a user out everywhere', () => {
  it('a password change revokes the refresh tokens and the session of that user only', async () => {
    const carol = await signedInUser();
    const bystander = await signedInUser();
    expect(await silentAuth(carol)).toBe('code');

    // A change that is not a credential keeps the user signed in.
    expect((await admin('PATCH', u(carol.userId), { body: { user_metadata: { theme: 'dark' } } })).status).toBe(200);
    expect((await refresh(carol)).status).toBe(200);

    const patched = await admin('PATCH', u(carol.userId), { body: { password: 'a brand new password' } });
    expect(patched.status).toBe(200);
    expect(await refresh(carol)).toEqual({ status: 403, error: 'invalid_grant' });
    expect(await silentAuth(carol)).toBe('login_required');

    expect((await refresh(bystander)).status).toBe(200);
    expect(await silentAuth(bystander)).toBe('code');
  });

  it('a block revokes the refresh tokens and the session, and the self-service token gets 401 at once', async () => {
    const erin = await signedInUser();
    const selfService = bind(
      tenant.issuer,
      await userAccessToken(
        tenant.issuer,
        erin.credentials,
        managementApiIdentifier(tenant.issuer),
        'openid read:current_user',
      ),
    );
    expect((await selfService('GET', u(erin.userId))).status).toBe(200);

    expect((await admin('PATCH', u(erin.userId), { body: { blocked: true } })).status).toBe(200);
    const refused = await selfService('GET', u(erin.userId));
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject(errorBody(401, 'Invalid token'));
    expect(await refresh(erin)).toEqual({ status: 403, error: 'invalid_grant' });
    expect(await silentAuth(erin)).toBe('login_required');
  });

  it('deleting a user revokes its refresh tokens and session', async () => {
    const frank = await signedInUser();
    expect((await admin('DELETE', u(frank.userId))).status).toBe(204);
    expect(await refresh(frank)).toEqual({ status: 403, error: 'invalid_grant' });
    expect(await silentAuth(frank)).toBe('login_required');
  });
});
