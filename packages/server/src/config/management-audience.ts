import { isManagementApiIdentifier } from './auth0-fields.ts';
import type { TenantConfig } from './types.ts';

/**
 * The configuration with every client grant on a `https://<domain>/api/v2/` audience pointed at this
 * tenant's Management API. A Deploy CLI export names its source tenant's domain (e.g.
 * `https://acme.eu.auth0.com/api/v2/`); only the tenant knows its own issuer, so the mapping happens when
 * it starts, not when the file is read (which warned about it).
 *
 * @param identifier - this tenant's Management API identifier, `<issuer>api/v2/`.
 */
export function withManagementApiAudience(config: TenantConfig, identifier: string): TenantConfig {
  if (!config.clientGrants.some((g) => isManagementApiIdentifier(g.audience) && g.audience !== identifier)) {
    return config;
  }
  return {
    ...config,
    clientGrants: config.clientGrants.map((grant) =>
      isManagementApiIdentifier(grant.audience) ? { ...grant, audience: identifier } : grant,
    ),
  };
}
