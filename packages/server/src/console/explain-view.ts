import type { UserSeed } from '../config/types.ts';
import type { ExplainTenant, PublicJwk } from '../explain/index.ts';
import type { TenantContext } from '../tenant/context.ts';
import type { UserRecord } from '../tenant/records.ts';
import type { SigningKeyRing } from '../tenant/signing-key-ring.ts';

/**
 * The running tenant as `explainToken` reads a tenant (what `authmesh explain` builds from tenant.yaml and
 * the JWKS): the published keys (current, previous and next), and the configuration as it is now in the
 * registry, Management API edits included. Client grants and user roles name clients and roles by name,
 * as tenant.yaml does. Of the users, only the token's subject is read (the verdict's advice names its roles).
 */
export async function explainView(
  tenant: TenantContext,
  ring: SigningKeyRing,
  subject: string | undefined,
): Promise<ExplainTenant> {
  const { registry } = tenant;
  const clients = registry.clients();
  const nameOf = new Map(clients.map((c) => [c.client_id, c.name]));
  const roleName = new Map(registry.roles().map((r) => [r.id, r.name]));
  const user =
    subject === undefined ? undefined : (await tenant.storage.entities.get<UserRecord>('user', subject))?.doc;
  const users: UserSeed[] = user
    ? [
        {
          email: user.email,
          password: '',
          user_id: user.user_id,
          email_verified: user.email_verified,
          roles: user.roles.map((id) => roleName.get(id) ?? id),
          permissions: user.permissions,
          app_metadata: {},
          user_metadata: {},
        },
      ]
    : [];
  return {
    issuer: tenant.issuer,
    keys: publishedKeys(ring),
    clients: clients.map((c) => ({ name: c.name, client_id: c.client_id })),
    users: user ? [{ email: user.email, user_id: user.user_id }] : [],
    config: {
      source: '<running tenant>',
      tenant: tenant.settings,
      resourceServers: registry.resourceServers().filter((api) => !api.is_system),
      clients,
      clientGrants: registry.clientGrants().map((g) => ({
        client_id: nameOf.get(g.client_id) ?? g.client_id,
        audience: g.audience,
        scope: g.scope,
        ...(g.subject_type === 'user' ? { subject_type: 'user' as const } : {}),
      })),
      roles: registry.roles(),
      users,
      connections: [],
      actions: [],
      triggers: {},
      warnings: [],
    },
  };
}

/** The public halves of the published signing keys, as the JWKS serves them. */
export function publishedKeys(ring: SigningKeyRing): PublicJwk[] {
  return ring
    .published()
    .map(({ jwk }) => ({ kty: jwk.kty, kid: jwk.kid, n: jwk.n, e: jwk.e, alg: jwk.alg, use: jwk.use }));
}
