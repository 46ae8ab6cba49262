import type { ClientRecord } from '../tenant/records.ts';

/** Which representation of a client the caller may see (secrets only with key scopes: docs/security.md, "Management API"). */
export type ClientVisibility = 'summary' | 'full' | 'with-secret';

/**
 * A client as Auth0 returns it. `client_secret` only in the `with-secret` view (Auth0: `read:client_keys`,
 * the create response, rotate-secret); `summary` is what `read:client_summary` alone may see. The constant
 * fields (`global`, `oidc_conformant`, `sso_disabled`, …) are what authmesh does for every client, stated
 * in Auth0's names so Terraform and the Deploy CLI read back stable values.
 */
export function clientView(client: ClientRecord, visibility: ClientVisibility): Record<string, unknown> {
  const summary = {
    client_id: client.client_id,
    name: client.name,
    ...(client.description === undefined ? {} : { description: client.description }),
    app_type: client.app_type,
    is_first_party: client.is_first_party,
    global: false,
  };
  if (visibility === 'summary') return summary;
  const { policies, ...refreshToken } = client.refresh_token;
  return {
    ...summary,
    ...(visibility === 'with-secret' && client.client_secret !== undefined
      ? { client_secret: client.client_secret }
      : {}),
    oidc_conformant: true,
    ...(client.client_metadata === undefined ? {} : { client_metadata: client.client_metadata }),
    callbacks: client.callbacks,
    allowed_logout_urls: client.allowed_logout_urls,
    web_origins: client.web_origins,
    allowed_origins: client.allowed_origins,
    grant_types: client.grant_types,
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    jwt_configuration: { alg: 'RS256', lifetime_in_seconds: client.id_token_lifetime, secret_encoded: false },
    // Auth0 shows `policies` only when the client has Multi-Resource Refresh Token policies.
    refresh_token: policies.length > 0 ? { ...refreshToken, policies } : refreshToken,
    // A Custom API client's On-Behalf-Of settings (engine/token-exchange.ts).
    ...(client.resource_server_identifier === undefined
      ? {}
      : { resource_server_identifier: client.resource_server_identifier }),
    ...(client.token_exchange === undefined ? {} : { token_exchange: client.token_exchange }),
    sso_disabled: false,
    cross_origin_authentication: false,
    custom_login_page_on: true,
  };
}
