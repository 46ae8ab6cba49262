import { fixtureConfig, pkcePair } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { createTenant } from '../../src/create-tenant.ts';
import { responseTypesOf } from '../../src/engine/response-types.ts';
import { authorizeUrl, BACKOFFICE, SPA } from '../security/helpers.ts';

/**
 * The `response_type` values of /authorize as Auth0 serves them: `code` for every interactive client
 * (PKCE required), the ID token (`id_token`, `code id_token`) only for clients with the `implicit`
 * grant, as express-openid-connect's default mode needs; never an access token from /authorize.
 * The Back Office client here has `implicit`, the SPA does not; both have http(s) callbacks
 * (`http://localhost` for the SPA: Auth0 allows it for the implicit flow, and so does the tenant).
 */
let tenant: Tenant;
let issuer: string;

beforeAll(async () => {
  const base = fixtureConfig();
  tenant = await createTenant({
    port: 0,
    dataDir: null,
    config: {
      ...base,
      clients: base.clients.map((c) =>
        c.client_id === BACKOFFICE.clientId
          ? { ...c, grant_types: ['authorization_code', 'implicit', 'refresh_token'] }
          : c,
      ),
    },
  });
  issuer = tenant.issuer;
});
afterAll(() => tenant?.close());

/** Where /authorize sends the browser first: the login page, or the client with an error. */
async function firstHop(params: Record<string, string>): Promise<URL> {
  const response = await fetch(authorizeUrl(issuer, { scope: 'openid', state: 'st', nonce: 'nc', ...params }), {
    redirect: 'manual',
  });
  if (response.status === 200) {
    // form_post and web_message answers are pages; errors in them name the error in a hidden input.
    const html = await response.text();
    const error = /name="error" value="([^"]+)"/.exec(html)?.[1];
    return new URL(`about:blank?error=${error ?? ''}`);
  }
  const location = response.headers.get('location');
  if (!location) throw new Error(`no redirect: ${response.status} ${await response.text()}`);
  const url = new URL(location, issuer);
  // Errors in the fragment (implicit response types) read like query parameters.
  if (url.hash) url.search = url.hash.slice(1);
  return url;
}

describe('/authorize response types', () => {
  it('id_token + form_post for a client with the implicit grant → the login page', async () => {
    const hop = await firstHop({
      client_id: BACKOFFICE.clientId,
      redirect_uri: BACKOFFICE.redirectUri,
      response_type: 'id_token',
      response_mode: 'form_post',
    });
    expect(hop.pathname).toBe('/u/login');
  });

  it('code id_token (hybrid) for the same client, with PKCE → the login page', async () => {
    const hop = await firstHop({
      client_id: BACKOFFICE.clientId,
      redirect_uri: BACKOFFICE.redirectUri,
      response_type: 'code id_token',
      response_mode: 'form_post',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    });
    expect(hop.pathname).toBe('/u/login');
  });

  it('code without PKCE stays refused, implicit grant or not', async () => {
    const hop = await firstHop({
      client_id: BACKOFFICE.clientId,
      redirect_uri: BACKOFFICE.redirectUri,
      response_type: 'code',
    });
    expect(hop.searchParams.get('error')).toBe('invalid_request');
  });

  it('id_token for a client without the implicit grant → refused (the engine names it invalid_request)', async () => {
    const hop = await firstHop({
      client_id: SPA.clientId,
      redirect_uri: SPA.redirectUri,
      response_type: 'id_token',
    });
    expect(hop.searchParams.get('error')).toBe('invalid_request');
    expect(hop.searchParams.get('error_description')).toBe('requested response_type is not allowed for this client');
  });

  it('access tokens from /authorize (token, id_token token) are not served', async () => {
    for (const responseType of ['token', 'id_token token', 'code token']) {
      const hop = await firstHop({
        client_id: BACKOFFICE.clientId,
        redirect_uri: BACKOFFICE.redirectUri,
        response_type: responseType,
      });
      expect(hop.searchParams.get('error'), responseType).toBe('unsupported_response_type');
    }
  });

  it('discovery lists exactly the served response types', async () => {
    const metadata = (await (await fetch(new URL('.well-known/openid-configuration', issuer))).json()) as {
      response_types_supported: string[];
    };
    expect(metadata.response_types_supported.sort()).toEqual(['code', 'code id_token', 'id_token']);
  });
});

describe('responseTypesOf', () => {
  it.each([
    [['authorization_code', 'refresh_token'], ['code']],
    [
      ['authorization_code', 'implicit', 'refresh_token'],
      ['code', 'id_token', 'code id_token'],
    ],
    [['implicit'], ['id_token']],
    [['client_credentials'], []],
  ] as const)('%j → %j', (grantTypes, expected) => {
    expect(responseTypesOf({ grant_types: [...grantTypes] })).toEqual(expected);
  });
});
