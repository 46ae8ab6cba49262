import { fixtureConfig, hiddenInput, pkcePair, ScriptedBrowser } from '@authmesh/testkit';
import { decodeJwt, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import { action, storeActions } from './helpers.ts';

/*
 * `api.redirect.sendUserTo` and `/continue`, as Auth0 runs them: the login pauses after the redirecting
 * action, the browser goes to the action's page with Auth0's `state`, comes back to /continue, the
 * action's onContinuePostLogin runs (reading what the page sent back), then the actions after it, and
 * only then is the code issued. A non-interactive login that would redirect fails with interaction_required.
 */

const SPA = 'spa-client-0001';
const CALLBACK = 'http://localhost:5173/callback';
const TERMS = 'https://terms.example.test/accept';
const NS = 'https://shop.example.test';
const SECRET = 'terms-page-shared-secret-0123456789';

let storage: Storage;
let tenant: Tenant;

beforeAll(async () => {
  storage = openSqliteStorage({ path: ':memory:' });
  await storeActions(
    storage,
    [
      action(
        'terms',
        `exports.onExecutePostLogin = async (event, api) => {
           api.idToken.setCustomClaim('${NS}/before', true);
           const token = api.redirect.encodeToken({ secret: event.secrets.SECRET, payload: { user: event.user.user_id } });
           api.redirect.sendUserTo('${TERMS}', { query: { session_token: token } });
         };
         exports.onContinuePostLogin = async (event, api) => {
           const answer = api.redirect.validateToken({ secret: event.secrets.SECRET, tokenParameterName: 'answer' });
           api.idToken.setCustomClaim('${NS}/accepted', answer.accepted);
         };`,
        { secrets: [{ name: 'SECRET', value: SECRET }] },
      ),
      action(
        'after',
        `exports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim('${NS}/after', true); };`,
      ),
    ],
    { 'post-login': ['terms', 'after'] },
  );
  tenant = await createTenant({ config: fixtureConfig(), port: 0, storage });
});

afterAll(async () => {
  await tenant?.close();
  await storage?.close();
});

function authorizeUrl(challenge: string, extra: Record<string, string> = {}): URL {
  const url = new URL('authorize', tenant.issuer);
  const params = {
    client_id: SPA,
    response_type: 'code',
    redirect_uri: CALLBACK,
    scope: 'openid profile',
    state: 'app-state',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url;
}

/** Logs alice in on the login page; the login stops at the terms page the action redirects to. */
async function logInToTerms(browser: ScriptedBrowser, challenge: string) {
  const loginPage = await browser.follow(authorizeUrl(challenge), TERMS);
  const html = await loginPage.response.text();
  return browser.follow(loginPage.url, TERMS, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      username: 'alice@example.test',
      password: 'correct horse battery staple',
      csrf: hiddenInput(html, 'csrf') ?? '',
      state: hiddenInput(html, 'state') ?? '',
    }),
  });
}

describe('api.redirect.sendUserTo and /continue', () => {
  it('pauses the login at the action page and finishes it, with every action, after /continue', async () => {
    const browser = new ScriptedBrowser();
    const { verifier, challenge } = pkcePair();
    const sent = await logInToTerms(browser, challenge);
    expect(sent.url.startsWith(TERMS)).toBe(true);
    const atTerms = new URL(sent.url);
    const state = atTerms.searchParams.get('state') ?? '';
    expect(state).not.toBe('');
    // The action's token is an HS256 JWT signed with its secret, as Auth0's encodeToken makes it.
    const key = new TextEncoder().encode(SECRET);
    const { payload } = await jwtVerify(atTerms.searchParams.get('session_token') ?? '', key);
    expect(payload.user).toMatch(/^auth0\|/);

    // The terms page answers with its own signed token and sends the browser back.
    const answer = await new SignJWT({ accepted: 'v2' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(key);
    const back = new URL('continue', tenant.issuer);
    back.searchParams.set('state', state);
    back.searchParams.set('answer', answer);
    // Another browser (no session, or another user's) cannot continue this login.
    expect((await new ScriptedBrowser().request(back)).status).toBe(403);
    // Nor another browser signed in as the same user: only the session that started the login continues it.
    const sameUser = new ScriptedBrowser();
    expect((await logInToTerms(sameUser, pkcePair().challenge)).url.startsWith(TERMS)).toBe(true);
    expect((await sameUser.request(back)).status).toBe(403);
    const done = await browser.follow(back, CALLBACK);
    const callback = new URL(done.url);
    expect(callback.searchParams.get('state')).toBe('app-state');
    const code = callback.searchParams.get('code') ?? '';
    expect(code, done.url).not.toBe('');

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
    const tokens = (await response.json()) as { id_token: string };
    expect(decodeJwt(tokens.id_token)).toMatchObject({
      [`${NS}/before`]: true,
      [`${NS}/accepted`]: 'v2',
      [`${NS}/after`]: true,
    });

    // The same state cannot continue a second time.
    const replay = await browser.request(back);
    expect(replay.status).toBe(400);

    // Silent authentication would need the redirect: Auth0 v3 answers interaction_required.
    const silent = await browser.follow(authorizeUrl(pkcePair().challenge, { prompt: 'none' }), CALLBACK);
    expect(new URL(silent.url).searchParams.get('error')).toBe('interaction_required');
  });

  it('refuses /continue with a state that names no paused login', async () => {
    const back = new URL('continue', tenant.issuer);
    back.searchParams.set('state', 'not-a-paused-login');
    const response = await fetch(back, { redirect: 'manual' });
    expect(response.status).toBe(400);
  });
});
