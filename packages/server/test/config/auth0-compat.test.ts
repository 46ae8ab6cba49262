import { describe, expect, it } from 'vitest';
import { parseTenantConfig } from '../../src/config/load.ts';
import { expectConfigError, yaml } from './helpers.ts';

/** What Auth0 (and the Deploy CLI deploying to it) accepts loads here, with warnings where it is not emulated. */
describe('Auth0 accepts it, authmesh loads it', () => {
  it('takes a client without app_type as the generic application with Auth0 API defaults, no callbacks needed', () => {
    const config = parseTenantConfig(yaml('clients:', '  - name: Default App', '    callbacks: []'), '<inline>');
    const [client] = config.clients;
    expect(client?.app_type).toBeUndefined();
    expect(client?.grant_types).toEqual(['authorization_code', 'refresh_token', 'client_credentials']);
    expect(client?.token_endpoint_auth_method).toBe('client_secret_post');
    expect(client?.callbacks).toEqual([]);
  });

  it('accepts every Auth0 app_type, a resource_server client with its API identifier included', () => {
    const types = ['resource_server', 'rms', 'office365', 'sso_integration', 'express_configuration', 'zendesk'];
    const config = parseTenantConfig(
      yaml(
        'clients:',
        ...types.map((t) => `  - { name: ${t}, app_type: ${t}, resource_server_identifier: https://api.test }`),
      ),
      '<inline>',
    );
    expect(config.clients.map((c) => c.app_type)).toEqual(types);
  });

  it('never adds a grant type the file did not list', () => {
    const config = parseTenantConfig(
      yaml('clients:', '  - { name: Web, app_type: regular_web, grant_types: [client_credentials] }'),
      '<inline>',
    );
    expect(config.clients[0]?.grant_types).toEqual(['client_credentials']);
  });

  it('keeps third-party clients third-party', () => {
    const config = parseTenantConfig(
      yaml(
        'clients:',
        '  - { name: Partner, app_type: regular_web, is_first_party: false, callbacks: [https://p.test/cb] }',
      ),
      '<inline>',
    );
    expect(config.clients[0]?.is_first_party).toBe(false);
  });

  it('accepts what it does not emulate with a warning naming the place and the fix', () => {
    const config = parseTenantConfig(
      yaml(
        'resourceServers:',
        '  - { name: Legacy, identifier: https://legacy.test, signing_alg: HS256 }',
        'clients:',
        '  - name: SPA',
        '    app_type: spa',
        '    callbacks: [http://localhost:3000]',
        '    refresh_token: { rotation_type: non-rotating }',
        '    jwt_configuration: { alg: HS256 }',
      ),
      '<inline>',
    );
    expect(config.warnings).toEqual([
      'resourceServers[0].signing_alg (line 2): signing_alg `HS256` is not emulated: access tokens for this API are signed with RS256; set signing_alg: RS256 so that the API verifies the same tokens in Auth0 and here',
      'clients[0].refresh_token.rotation_type (line 7): an SPA with non-rotating refresh tokens keeps a long-lived token in the browser without reuse detection; set refresh_token.rotation_type: rotating',
      'clients[0].jwt_configuration.alg (line 8): jwt_configuration.alg `HS256` is not emulated: ID tokens are signed with RS256; set jwt_configuration.alg: RS256 so that the app verifies the same tokens in Auth0 and here',
    ]);
  });

  it('accepts wildcard subdomains in callbacks, logout URLs and origins as Auth0 documents them', () => {
    const config = parseTenantConfig(
      yaml(
        'clients:',
        '  - name: Preview',
        '    app_type: spa',
        '    callbacks: [https://*.preview.test/cb]',
        '    allowed_logout_urls: [https://pr-*-acme.preview.test]',
        '    web_origins: [https://*.preview.test]',
        '    allowed_origins: [https://*.preview.test]',
      ),
      '<inline>',
    );
    expect(config.clients[0]).toMatchObject({
      callbacks: ['https://*.preview.test/cb'],
      allowed_logout_urls: ['https://pr-*-acme.preview.test'],
      web_origins: ['https://*.preview.test'],
      allowed_origins: ['https://*.preview.test'],
    });
  });

  it('skips URLs with Auth0 organization placeholders, saying so', () => {
    const config = parseTenantConfig(
      yaml('clients:', '  - { name: B2B, app_type: spa, callbacks: ["https://{organization_name}.acme.test/cb"] }'),
      '<inline>',
    );
    expect(config.clients[0]?.callbacks).toEqual([]);
    expect(config.warnings).toEqual([
      'clients[0].callbacks[0] (line 2): `https://{organization_name}.acme.test/cb` uses an Auth0 URL placeholder that is not emulated; it is skipped',
    ]);
  });

  it('maps a grant on any tenant’s Management API to this one, with one warning naming the mapping', () => {
    const config = parseTenantConfig(
      yaml(
        'clients:',
        '  - { name: Sync, app_type: non_interactive }',
        'clientGrants:',
        '  - { client_id: Sync, audience: "https://acme.eu.auth0.com/api/v2/", scope: [read:users] }',
      ),
      '<inline>',
    );
    expect(config.clientGrants).toEqual([
      { client_id: 'Sync', audience: 'https://acme.eu.auth0.com/api/v2/', scope: ['read:users'] },
    ]);
    expect(config.warnings).toEqual([
      "clientGrants[0].audience (line 4): `https://acme.eu.auth0.com/api/v2/` is taken as this tenant's Management API (<issuer>/api/v2/)",
    ]);
  });

  it('treats two Management API audiences of one client as a duplicate grant', () => {
    const error = expectConfigError(
      yaml(
        'clients:',
        '  - { name: Sync, app_type: non_interactive }',
        'clientGrants:',
        '  - { client_id: Sync, audience: "https://a.auth0.com/api/v2/", scope: [read:users] }',
        '  - { client_id: Sync, audience: "https://b.auth0.com/api/v2/", scope: [read:roles] }',
      ),
    );
    expect(error.issues.map((i) => i.path)).toEqual(['clientGrants[1] (line 5)']);
  });

  it('recognises every Deploy CLI section, one warning line each', () => {
    const config = parseTenantConfig(
      yaml(
        'emailTemplates: [{ template: a }, { template: b }, { template: c }, { template: d }]',
        'branding: { colors: { primary: "#000" }, logo_url: https://x.test/l.png }',
        'eventStreams: []',
        'rateLimitPolicies: [{ name: x }]',
        'clientAuthCredentials: []',
      ),
      '<inline>',
    );
    expect(config.warnings).toEqual([
      'emailTemplates: 4 entries, not emulated',
      'branding: 2 settings, not emulated',
      'eventStreams: 0 entries, not emulated',
      'rateLimitPolicies: 1 entry, not emulated',
      'clientAuthCredentials: 0 entries, not emulated',
    ]);
  });

  it('takes the hours when a session lifetime is given in hours and minutes, as the Deploy CLI sends them', () => {
    const config = parseTenantConfig(
      yaml('tenant:', '  session_lifetime: 48', '  session_lifetime_in_minutes: 60'),
      '<inline>',
    );
    expect(config.tenant.session_lifetime).toBe(48);
    expect(config.warnings).toEqual([
      'tenant.session_lifetime_in_minutes (line 3): both session_lifetime and session_lifetime_in_minutes are set; session_lifetime applies, as the Deploy CLI sends it',
    ]);
  });

  it('still refuses a key that exists in no Auth0 schema, with a did-you-mean', () => {
    const error = expectConfigError(yaml('clients:', '  - { name: A, app_type: spa, callbackz: [] }'));
    expect(error.issues.map((i) => [i.path, i.message])).toEqual([
      ['clients[0].callbackz (line 2)', 'unknown field `callbackz`. Did you mean `callbacks`?'],
    ]);
  });
});
