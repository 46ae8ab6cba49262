import {
  completeRefreshToken,
  defaultGrantTypes,
  defaultTokenEndpointAuthMethod,
  ID_TOKEN_LIFETIME_DEFAULT,
  type RefreshTokenInput,
} from '../config/defaults.ts';
import type { RefreshTokenSettings } from '../config/types.ts';
import type { ClientGrantRecord, ClientRecord } from '../tenant/records.ts';
import { jsonEqual } from './canonical.ts';

type Entry = Record<string, unknown>;

const URL_LISTS = ['callbacks', 'allowed_logout_urls', 'web_origins', 'allowed_origins'] as const;

const REFRESH_TOKEN_KEYS = [
  'rotation_type',
  'expiration_type',
  'leeway',
  'token_lifetime',
  'infinite_token_lifetime',
  'idle_token_lifetime',
  'infinite_idle_token_lifetime',
] as const satisfies readonly (keyof RefreshTokenSettings)[];

/**
 * A client as a Deploy CLI entry. `client_id` is always written (pinned) so that apps configured with it
 * keep working after an import into another tenant; `client_secret` only when secrets are asked for.
 * Field order: name, description, client_id, client_secret, app_type, token_endpoint_auth_method, the URL
 * lists, grant_types, refresh_token, jwt_configuration, client_metadata (keys sorted).
 */
export function clientEntry(client: ClientRecord, includeSecrets: boolean): Entry {
  const out: Entry = { name: client.name };
  if (client.description !== undefined) out.description = client.description;
  out.client_id = client.client_id;
  if (includeSecrets && client.client_secret !== undefined) out.client_secret = client.client_secret;
  out.app_type = client.app_type;
  if (client.token_endpoint_auth_method !== defaultTokenEndpointAuthMethod(client.app_type)) {
    out.token_endpoint_auth_method = client.token_endpoint_auth_method;
  }
  for (const key of URL_LISTS) if (client[key].length > 0) out[key] = [...client[key]];
  if (!jsonEqual(client.grant_types, defaultGrantTypes(client.app_type))) out.grant_types = [...client.grant_types];
  const refreshToken = refreshTokenEntry(client);
  if (refreshToken !== undefined) out.refresh_token = refreshToken;
  if (client.id_token_lifetime !== ID_TOKEN_LIFETIME_DEFAULT) {
    out.jwt_configuration = { lifetime_in_seconds: client.id_token_lifetime };
  }
  if (client.resource_server_identifier !== undefined) {
    out.resource_server_identifier = client.resource_server_identifier;
  }
  if (client.token_exchange !== undefined) {
    out.token_exchange = { allow_any_profile_of_type: [...client.token_exchange.allow_any_profile_of_type] };
  }
  const metadata = Object.entries(client.client_metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (metadata.length > 0) out.client_metadata = Object.fromEntries(metadata);
  return out;
}

/**
 * The smallest `refresh_token` block the loader completes back to the stored settings. The defaults of
 * later keys depend on earlier ones (the `infinite_*` flags follow `expiration_type`), so keys are added
 * in order and each default is computed from what is already written.
 */
function refreshTokenEntry(client: ClientRecord): Entry | undefined {
  const stored = client.refresh_token;
  const written: RefreshTokenInput = {};
  for (const key of REFRESH_TOKEN_KEYS) {
    if (completeRefreshToken(client.app_type, written)[key] !== stored[key]) {
      Object.assign(written, { [key]: stored[key] });
    }
  }
  const out: Entry = { ...written };
  if (stored.policies.length > 0) {
    out.policies = stored.policies.map((p) => ({ audience: p.audience, scope: [...p.scope].sort() }));
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A client grant naming its client by NAME, as the Deploy CLI writes it; scope sorted; `subject_type: user` kept. */
export function clientGrantEntry(grant: ClientGrantRecord, clientName: string): Entry {
  return {
    client_id: clientName,
    audience: grant.audience,
    scope: [...grant.scope].sort(),
    ...(grant.subject_type === 'user' ? { subject_type: 'user' } : {}),
  };
}
