import { createHash } from 'node:crypto';
import type { ResourceServerRecord } from '../tenant/records.ts';

/**
 * The id the Management API shows for the tenant's implicit Management API resource server: 24 hex
 * characters like every resource-server id, derived from the issuer so it is stable across restarts.
 */
export function managementApiId(issuer: string): string {
  return createHash('sha256').update(`management-api ${issuer}`).digest('hex').slice(0, 24);
}

/**
 * A resource server as Auth0 returns it. `is_system` appears only on the Management API (Auth0 omits it
 * elsewhere); fields authmesh does not implement are left out rather than invented.
 */
export function resourceServerView(api: ResourceServerRecord, issuer: string): Record<string, unknown> {
  return {
    id: api.is_system ? managementApiId(issuer) : api.id,
    name: api.name,
    identifier: api.identifier,
    scopes: api.scopes,
    signing_alg: api.signing_alg,
    token_lifetime: api.token_lifetime,
    allow_offline_access: api.allow_offline_access,
    skip_consent_for_verifiable_first_party_clients: api.skip_consent_for_verifiable_first_party_clients,
    enforce_policies: api.enforce_policies,
    token_dialect: api.token_dialect,
    ...(api.is_system ? { is_system: true } : {}),
  };
}
