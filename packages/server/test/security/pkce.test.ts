import { createHash } from 'node:crypto';
import { loginForCode, pkcePair, ScriptedBrowser } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { ALICE, authorizeUrl, BACKOFFICE, BOB, type JsonReply, SPA, startTenant, tokenRequest } from './helpers.ts';

/**
 * PKCE (docs/security.md, "PKCE"; RFC 7636, RFC 9700 §2.1.1): required for every client, S256 only, verifier checked and
 * format-validated at the token endpoint. Auth0 statuses: PKCE failures are 403 `invalid_grant`
 * "Failed to verify code verifier".
 */
let tenant: Tenant;
let issuer: string;

beforeAll(async () => {
  tenant = await startTenant();
  issuer = tenant.issuer;
});
afterAll(() => tenant?.close());

const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/** Sends one /authorize request (no redirects followed) and returns the redirect target. */
async function authorizeRedirect(params: Record<string, string>): Promise<{ status: number; location: URL | null }> {
  const response = await new ScriptedBrowser().request(authorizeUrl(issuer, params));
  await response.body?.cancel();
  const location = response.headers.get('location');
  return { status: response.status, location: location ? new URL(location, issuer) : null };
}

/** RFC 9207 §2: an error after redirect_uri validation goes back to the client with error, exact state and iss. */
function expectErrorRedirect(
  reply: { status: number; location: URL | null },
  redirectUri: string,
  state: string,
  error = 'invalid_request',
): void {
  expect(reply.status).toBeGreaterThanOrEqual(300);
  expect(reply.status).toBeLessThan(400);
  expect(reply.location).not.toBeNull();
  const location = reply.location as URL;
  expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
  expect(location.searchParams.get('error')).toBe(error);
  expect(location.searchParams.get('state')).toBe(state);
  expect(location.searchParams.get('iss')).toBe(issuer);
  expect(location.searchParams.has('code')).toBe(false);
  // RFC 6749 §4.1.2.1: error_description only from %x20-21 / %x23-5B / %x5D-7E.
  expect(location.searchParams.get('error_description') ?? '').toMatch(/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/);
}

function spaAuthorize(extra: Record<string, string>): Record<string, string> {
  return {
    client_id: SPA.clientId,
    response_type: 'code',
    redirect_uri: SPA.redirectUri,
    scope: 'openid profile',
    ...extra,
  };
}

function redeemSpa(code: string, extra: Record<string, string>): Promise<JsonReply> {
  return tokenRequest(issuer, {
    grant_type: 'authorization_code',
    client_id: SPA.clientId,
    code,
    redirect_uri: SPA.redirectUri,
    ...extra,
  });
}

function spaLogin() {
  return loginForCode({ issuer, clientId: SPA.clientId, redirectUri: SPA.redirectUri, ...ALICE });
}

function expectPkceFailure(reply: JsonReply): void {
  expect(reply.status).toBe(403);
  expect(reply.json).toEqual({ error: 'invalid_grant', error_description: 'Failed to verify code verifier' });
}

describe('PKCE at /authorize', () => {
  it('RFC 8414 §2: discovery advertises code_challenge_methods_supported = ["S256"] only', async () => {
    const discovery = (await (await fetch(new URL('.well-known/openid-configuration', issuer))).json()) as Record<
      string,
      unknown
    >;
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('RFC 9700 §2.1.1: SPA /authorize without code_challenge → redirect error=invalid_request with exact state and iss', async () => {
    const state = 'st-no-challenge-+/=';
    expectErrorRedirect(await authorizeRedirect(spaAuthorize({ state })), SPA.redirectUri, state);
  });

  it('RFC 9700 §2.1.1: code_challenge_method=plain → redirect error=invalid_request', async () => {
    const state = 'st-plain';
    const verifier = 'a'.repeat(43);
    expectErrorRedirect(
      await authorizeRedirect(spaAuthorize({ state, code_challenge: verifier, code_challenge_method: 'plain' })),
      SPA.redirectUri,
      state,
    );
  });

  it('RFC 9700 §2.1.1: code_challenge without code_challenge_method (RFC 7636 default plain) → redirect error=invalid_request', async () => {
    const state = 'st-no-method';
    expectErrorRedirect(
      await authorizeRedirect(spaAuthorize({ state, code_challenge: pkcePair().challenge })),
      SPA.redirectUri,
      state,
    );
  });

  it('RFC 9700 §2.1.1: code_challenge_method in another letter case (s256) → redirect error=invalid_request', async () => {
    const state = 'st-lower';
    expectErrorRedirect(
      await authorizeRedirect(
        spaAuthorize({ state, code_challenge: pkcePair().challenge, code_challenge_method: 's256' }),
      ),
      SPA.redirectUri,
      state,
    );
  });

  it('RFC 7636 §4.2: an S256 code_challenge shorter than 43 chars → redirect error=invalid_request', async () => {
    const state = 'st-short-challenge';
    expectErrorRedirect(
      await authorizeRedirect(
        spaAuthorize({ state, code_challenge: pkcePair().challenge.slice(0, 42), code_challenge_method: 'S256' }),
      ),
      SPA.redirectUri,
      state,
    );
  });

  it('RFC 9700 §2.1.1: the confidential backoffice client without code_challenge → redirect error=invalid_request (PKCE required for every client)', async () => {
    const state = 'st-backoffice';
    expectErrorRedirect(
      await authorizeRedirect({
        client_id: BACKOFFICE.clientId,
        response_type: 'code',
        redirect_uri: BACKOFFICE.redirectUri,
        scope: 'openid',
        state,
      }),
      BACKOFFICE.redirectUri,
      state,
    );
  });
});

describe('PKCE at /oauth/token', () => {
  it('RFC 7636 §4.6: wrong code_verifier → 403 invalid_grant "Failed to verify code verifier", no token', async () => {
    const { code } = await spaLogin();
    const reply = await redeemSpa(code, { code_verifier: pkcePair().verifier });
    expectPkceFailure(reply);
    expect(reply.json.access_token).toBeUndefined();
  });

  it('RFC 7636 §4.6: missing code_verifier → 403 invalid_grant, no token', async () => {
    const { code } = await spaLogin();
    const reply = await redeemSpa(code, {});
    expect(reply.status).toBe(403);
    expect(reply.json.error).toBe('invalid_grant');
    expect(reply.json.access_token).toBeUndefined();
  });

  it('RFC 7636 §4.6: an empty code_verifier → 403 invalid_grant, no token', async () => {
    const { code } = await spaLogin();
    const reply = await redeemSpa(code, { code_verifier: '' });
    expect(reply.status).toBe(403);
    expect(reply.json.error).toBe('invalid_grant');
    expect(reply.json.access_token).toBeUndefined();
  });

  it('RFC 7636 §4.6: the challenge itself sent as verifier (plain downgrade) → 403 invalid_grant', async () => {
    const { code, verifier } = await spaLogin();
    const reply = await redeemSpa(code, { code_verifier: challengeOf(verifier) });
    expectPkceFailure(reply);
  });

  it.each([
    ['too short (42 chars)', 'a'.repeat(42)],
    ['too long (129 chars)', 'a'.repeat(129)],
    ['bad character "+"', `${'a'.repeat(43)}+`],
    ['bad character " "', `${'a'.repeat(21)} ${'a'.repeat(21)}`],
    ['bad character "/"', `${'a'.repeat(43)}/`],
  ])('RFC 7636 §4.6: code_verifier %s → error, no token', async (_label, badVerifier) => {
    const { code } = await spaLogin();
    const reply = await redeemSpa(code, { code_verifier: badVerifier });
    expect([400, 403]).toContain(reply.status);
    expect(['invalid_request', 'invalid_grant']).toContain(reply.json.error);
    expect(reply.json.access_token).toBeUndefined();
    expect(reply.json.id_token).toBeUndefined();
  });

  it('RFC 7636 §4.6: the verifier rules are the bounds, not stricter: a 43- and a 128-char verifier with every allowed character work', async () => {
    // Control for the cases above: the errors come from format checks, not from a broken flow.
    for (const verifier of [
      'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM-._~',
      `${'0123456789-._~ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'.repeat(2)}`.slice(0, 128),
    ]) {
      const { code } = await loginForCode({
        issuer,
        clientId: SPA.clientId,
        redirectUri: SPA.redirectUri,
        ...BOB,
        extraParams: { code_challenge: challengeOf(verifier) },
      });
      const reply = await redeemSpa(code, { code_verifier: verifier });
      expect(reply.status, `verifier of ${verifier.length} chars`).toBe(200);
    }
  });

  it('RFC 9700 §4.8.2: PKCE downgrade on the confidential client: code issued with a challenge, verifier of another challenge → 403 invalid_grant', async () => {
    const { code, verifier } = await loginForCode({
      issuer,
      clientId: BACKOFFICE.clientId,
      redirectUri: BACKOFFICE.redirectUri,
      ...BOB,
      scope: 'openid',
    });
    const base = {
      grant_type: 'authorization_code',
      client_id: BACKOFFICE.clientId,
      client_secret: BACKOFFICE.clientSecret,
      code,
      redirect_uri: BACKOFFICE.redirectUri,
    };
    // The client secret does not replace the verifier: another verifier, or none, fails.
    expectPkceFailure(await tokenRequest(issuer, { ...base, code_verifier: pkcePair().verifier }));
    const none = await tokenRequest(issuer, base);
    expect(none.status).toBe(403);
    expect(none.json.error).toBe('invalid_grant');
    expect(none.json.access_token).toBeUndefined();
    // Control: the right verifier and secret redeem it.
    const ok = await tokenRequest(issuer, { ...base, code_verifier: verifier });
    expect(ok.status).toBe(200);
  });

  it('RFC 7636 §4.4: the code_challenge is never echoed (callback URL, token response)', async () => {
    const { code, verifier, callback } = await spaLogin();
    const challenge = challengeOf(verifier);
    expect(callback.href).not.toContain(challenge);
    const reply = await redeemSpa(code, { code_verifier: verifier });
    expect(reply.status).toBe(200);
    expect(reply.text).not.toContain(challenge);
    expect(reply.text).not.toContain('code_challenge');
  });
});
