import { RESOURCE_SERVER_DEFAULTS, TENANT_DEFAULTS } from '../config/defaults.ts';
import type { TenantSettings } from '../config/types.ts';
import type { ResourceServerRecord, RoleRecord } from '../tenant/records.ts';
import { sortPermissions } from './canonical.ts';

/*
 * Stored entity → tenant.yaml entry, for the entities without secrets. A field is left out when the
 * loader would fill in the same value (Auth0's default), so that the file stays readable and the round
 * trip export → import → export is still exact. Keys are written in the order of these literals.
 */

type Entry = Record<string, unknown>;

/** The `tenant:` block, or undefined when every setting is the default. */
export function tenantEntry(settings: TenantSettings | undefined): Entry | undefined {
  if (settings === undefined) return undefined;
  const out: Entry = {};
  if (settings.friendly_name !== undefined) out.friendly_name = settings.friendly_name;
  if (settings.default_audience !== undefined) out.default_audience = settings.default_audience;
  if (settings.allowed_logout_urls.length > 0) out.allowed_logout_urls = [...settings.allowed_logout_urls];
  if (settings.session_lifetime !== TENANT_DEFAULTS.session_lifetime) out.session_lifetime = settings.session_lifetime;
  if (settings.idle_session_lifetime !== TENANT_DEFAULTS.idle_session_lifetime) {
    out.idle_session_lifetime = settings.idle_session_lifetime;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Field order: name, identifier, scopes, then the token settings that differ from Auth0's defaults. */
export function resourceServerEntry(api: ResourceServerRecord): Entry {
  const out: Entry = { name: api.name, identifier: api.identifier };
  // Scopes keep their declared order: it is the order people read them in (and consent lists them in).
  if (api.scopes.length > 0) {
    out.scopes = api.scopes.map((s) => (s.description === undefined ? { value: s.value } : { ...s }));
  }
  const optional = [
    'token_lifetime',
    'enforce_policies',
    'token_dialect',
    'allow_offline_access',
    'skip_consent_for_verifiable_first_party_clients',
  ] as const;
  for (const key of optional) {
    if (api[key] !== RESOURCE_SERVER_DEFAULTS[key]) out[key] = api[key];
  }
  return out;
}

/** Field order: name, description, permissions (sorted by API, then name). */
export function roleEntry(role: RoleRecord): Entry {
  const out: Entry = { name: role.name };
  if (role.description !== undefined) out.description = role.description;
  if (role.permissions.length > 0) out.permissions = sortPermissions(role.permissions);
  return out;
}
