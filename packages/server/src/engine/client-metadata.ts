import type { ClientRecord } from '../tenant/records.ts';
import { responseTypesOf } from './response-types.ts';
import { mayExchangeOnBehalfOf, TOKEN_EXCHANGE_GRANT } from './token-exchange.ts';

/**
 * Maps an Auth0 client to oidc-provider client metadata. Auth0 names (callbacks, allowed_logout_urls...)
 * become their OpenID Connect Registration equivalents; Auth0-only fields ride along as extra metadata
 * (declared in the provider's `extraClientMetadata`) for the hooks that need them.
 */
export function toClientMetadata(client: ClientRecord): Record<string, unknown> {
  let metadata = cache.get(client);
  if (!metadata) {
    metadata = build(client);
    cache.set(client, metadata);
  }
  return metadata;
}

/** Records are replaced (never mutated) when the registry refreshes, so a record is a safe cache key. */
const cache = new WeakMap<ClientRecord, Record<string, unknown>>();

function build(client: ClientRecord): Record<string, unknown> {
  // A client without callbacks may still hold the code grant (Auth0's "Default App" does): the engine
  // then gets no response type, and a login attempt fails as Auth0's does, with a redirect_uri mismatch.
  const responseTypes = client.callbacks.length > 0 ? responseTypesOf(client) : [];
  const interactive = responseTypes.length > 0;
  const metadata: Record<string, unknown> = {
    client_id: client.client_id,
    client_name: client.name,
    application_type: client.app_type === 'native' ? 'native' : 'web',
    // The On-Behalf-Of exchange follows from the client's token_exchange setting, as at Auth0.
    grant_types: mayExchangeOnBehalfOf(client) ? [...client.grant_types, TOKEN_EXCHANGE_GRANT] : client.grant_types,
    response_types: responseTypes,
    redirect_uris: interactive ? client.callbacks : [],
    post_logout_redirect_uris: client.allowed_logout_urls,
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    id_token_signed_response_alg: 'RS256',
    web_origins: client.web_origins,
    allowed_origins: client.allowed_origins,
  };
  if (client.client_secret !== undefined) metadata.client_secret = client.client_secret;
  return metadata;
}
