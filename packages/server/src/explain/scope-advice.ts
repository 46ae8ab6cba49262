import type { ExplainTenant, KnownApi } from './tenant-view.ts';

/** Who is asking: a client on its own behalf (client credentials), or a user through a client. */
export type Caller = { kind: 'client'; clientId: string; client: string } | { kind: 'user'; sub: string; user: string };

/**
 * Why a token lacks `scope` for `api`, and what in the tenant would put it there: the client grant for a
 * machine token; for a user token, the roles or user permissions when the API enforces RBAC, else the
 * scope the app requests.
 */
export function missingScopeReason(tenant: ExplainTenant, api: KnownApi, caller: Caller, scope: string): string {
  if (caller.kind === 'client') {
    const grant = tenant.config.clientGrants.find(
      (g) => g.client_id === caller.client && g.audience === api.identifier,
    );
    if (!grant) {
      return `The token lacks the scope ${scope}: the client ${caller.client} has no client grant for ${api.identifier}; add one (clientGrants: client_id ${caller.client}, audience ${api.identifier}) with the scope ${scope}.`;
    }
    const has = grant.scope.length > 0 ? grant.scope.join(' ') : 'no scope';
    return `The token lacks the scope ${scope}: the client grant of ${caller.client} for ${api.identifier} gives only ${has}; add ${scope} to that grant's scope.`;
  }
  if (api.declared?.enforce_policies) {
    const roles = tenant.config.roles
      .filter((r) =>
        r.permissions.some((p) => p.permission_name === scope && p.resource_server_identifier === api.identifier),
      )
      .map((r) => r.name);
    const seeded = tenant.config.users.find((u) => u.email === caller.user);
    const held = seeded ? ` (roles: ${seeded.roles.length > 0 ? seeded.roles.join(', ') : 'none'})` : '';
    const fix =
      roles.length > 0
        ? `assign the role ${roles.join(' or ')} to the user, or give the user the permission directly`
        : "no role grants it: give the user the permission directly, or add it to one of the user's roles";
    return `The token lacks the permission ${scope}: ${api.name} enforces RBAC, so a user's token carries only the permissions the user holds, and ${caller.user}${held} does not hold ${scope}; ${fix}.`;
  }
  return `The token lacks the scope ${scope}: the app did not ask for it; add ${scope} to the scope the app requests at /authorize.`;
}
