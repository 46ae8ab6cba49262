import type { ResourceServer, TenantConfig } from '../config/types.ts';
import type { PublicJwk } from './jwt.ts';

/** What the verdict needs to know about a tenant: its keys, its configuration and the ids it generated. */
export interface ExplainTenant {
  /** The tenant's issuer, with its trailing slash. */
  issuer: string;
  /** The tenant's public signing keys (the `keys` of its `/.well-known/jwks.json`). */
  keys: readonly PublicJwk[];
  config: TenantConfig;
  /** Clients as the running tenant knows them: names the ids it generated (the config holds only pinned ones). */
  clients?: readonly { name: string; client_id: string }[];
  /** Users as the running tenant knows them: names `sub` claims by e-mail. */
  users?: readonly { email: string; user_id: string }[];
}

/** An API the token may be meant for: a declared one, or the tenant's own Management API. */
export interface KnownApi {
  identifier: string;
  name: string;
  /** Undefined for the Management API, whose scopes authmesh does not list. */
  declared?: ResourceServer;
}

export function managementAudience(issuer: string): string {
  return `${issuer}api/v2/`;
}

export function userinfoAudience(issuer: string): string {
  return `${issuer}userinfo`;
}

export function findApi(tenant: ExplainTenant, identifier: string): KnownApi | undefined {
  if (identifier === managementAudience(tenant.issuer)) return { identifier, name: 'Auth0 Management API' };
  const declared = tenant.config.resourceServers.find((r) => r.identifier === identifier);
  return declared ? { identifier, name: declared.name, declared } : undefined;
}

/** `https://orders.acme.test (Orders API)`, or the bare identifier of an API the tenant does not have. */
export function describeAudience(tenant: ExplainTenant, identifier: string): string {
  const api = findApi(tenant, identifier);
  return api ? `${identifier} (${api.name})` : identifier;
}

/** The client's name for a client id, when the tenant knows it. */
export function clientName(tenant: ExplainTenant, clientId: string): string | undefined {
  return (
    tenant.clients?.find((c) => c.client_id === clientId)?.name ??
    tenant.config.clients.find((c) => c.client_id === clientId)?.name
  );
}

/** The e-mail of the user a `sub` names, when the tenant knows it. */
export function userEmail(tenant: ExplainTenant, sub: string): string | undefined {
  return (
    tenant.users?.find((u) => u.user_id === sub)?.email ?? tenant.config.users.find((u) => u.user_id === sub)?.email
  );
}
