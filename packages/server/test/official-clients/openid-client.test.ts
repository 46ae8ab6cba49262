import { fixtureConfig, hiddenInput, ScriptedBrowser } from '@authmesh/testkit';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/index.ts';

const REDIRECT_URI = 'http://localhost:5173/callback';

/**
 * openid-client v6 (an OpenID Certified relying party) discovers the tenant with strict issuer matching
 * and completes an authorization-code + PKCE login, the browser part scripted over HTTP.
 */
describe('openid-client v6 against the tenant', () => {
  let tenant: Tenant;

  beforeAll(async () => {
    tenant = await createTenant({ config: fixtureConfig(), port: 0, dataDir: null });
  });
  afterAll(() => tenant?.close());

  it('discovers the tenant and logs a user in with authorization code + PKCE', async () => {
    const config = await oidc.discovery(new URL(tenant.issuer), 'spa-client-0001', undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    expect(config.serverMetadata().issuer).toBe(tenant.issuer);

    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile email read:catalog',
      audience: 'https://catalog.example.test',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });

    const browser = new ScriptedBrowser();
    const loginPage = await browser.follow(url, REDIRECT_URI);
    const html = await loginPage.response.text();
    expect(html).toContain('name="username"');
    const callback = await browser.follow(loginPage.url, REDIRECT_URI, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        username: 'alice@example.test',
        password: 'correct horse battery staple',
        csrf: hiddenInput(html, 'csrf') ?? '',
      }),
    });
    expect(callback.url.startsWith(REDIRECT_URI)).toBe(true);

    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback.url), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    expect(claims).toMatchObject({
      iss: tenant.issuer,
      aud: 'spa-client-0001',
      email: 'alice@example.test',
      email_verified: true,
      name: 'Alice Customer',
      nonce,
    });
    expect(tokens.scope?.split(' ').sort()).toEqual(['email', 'openid', 'profile', 'read:catalog']);

    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims?.sub ?? '');
    expect(userinfo).toMatchObject({ sub: claims?.sub, email: 'alice@example.test' });
  });
});
