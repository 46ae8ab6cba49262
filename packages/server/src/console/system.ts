import type { Permission, TriggerId } from '../config/types.ts';
import type { TenantContext } from '../tenant/context.ts';
import type { ClientRecord, UserRecord } from '../tenant/records.ts';

/** At most this many users are listed (with their roles and direct permissions); the total is always given. */
export const CONSOLE_USERS_SHOWN = 200;
/** Users are read in pages of this size to count each role's members without holding every user at once. */
const USER_PAGE = 1000;

export interface ConsolePermission {
  audience: string;
  permission: string;
}

/** The tenant as the console draws it: see the console contract (`GET /console/api/system`). */
export interface ConsoleSystem {
  tenant: { name: string; issuer: string; default_audience?: string };
  clients: ConsoleClient[];
  apis: Array<{
    id: string;
    identifier: string;
    name: string;
    scopes: Array<{ value: string; description?: string }>;
    enforce_policies: boolean;
    token_dialect: string;
    allow_offline_access: boolean;
    token_lifetime: number;
    is_system: boolean;
  }>;
  client_grants: Array<{
    id: string;
    client_id: string;
    audience: string;
    scope: string[];
    subject_type: 'client' | 'user';
  }>;
  roles: Array<{
    id: string;
    name: string;
    description?: string;
    permissions: ConsolePermission[];
    user_count: number;
  }>;
  users: {
    total: number;
    shown: Array<{
      user_id: string;
      email?: string;
      name?: string;
      blocked: boolean;
      role_ids: string[];
      permissions: ConsolePermission[];
    }>;
  };
  actions: Array<{ trigger: string; actions: Array<{ id: string; name: string }> }>;
}

export interface ConsoleClient {
  client_id: string;
  name: string;
  app_type?: string;
  is_first_party: boolean;
  grant_types: string[];
  token_endpoint_auth_method: string;
  callbacks: string[];
  allowed_origins: string[];
  web_origins: string[];
  allowed_logout_urls: string[];
  refresh_token?: {
    rotation_type: string;
    expiration_type: string;
    policies?: Array<{ audience: string; scope: string[] }>;
  };
}

/**
 * The whole picture from the running tenant: clients, APIs, grants, roles and bound Actions from the
 * registry (what the token endpoint uses right now, Management API edits included), users from storage.
 * Never a secret: client secrets, password hashes and metadata are left out field by field.
 */
export async function consoleSystem(tenant: TenantContext): Promise<ConsoleSystem> {
  const { registry, settings } = tenant;
  const users = await readUsers(tenant);
  return {
    tenant: {
      name: settings.friendly_name ?? 'authmesh',
      issuer: tenant.issuer,
      ...(settings.default_audience ? { default_audience: settings.default_audience } : {}),
    },
    clients: registry.clients().map(consoleClient),
    apis: registry.resourceServers().map((api) => ({
      id: api.id,
      identifier: api.identifier,
      name: api.name,
      scopes: api.scopes.map((s) => ({ value: s.value, ...(s.description ? { description: s.description } : {}) })),
      enforce_policies: api.enforce_policies,
      token_dialect: api.token_dialect,
      allow_offline_access: api.allow_offline_access,
      token_lifetime: api.token_lifetime,
      is_system: api.is_system,
    })),
    client_grants: registry.clientGrants().map((g) => ({
      id: g.id,
      client_id: g.client_id,
      audience: g.audience,
      scope: [...g.scope],
      subject_type: g.subject_type === 'user' ? 'user' : 'client',
    })),
    roles: registry.roles().map((role) => ({
      id: role.id,
      name: role.name,
      ...(role.description ? { description: role.description } : {}),
      permissions: role.permissions.map(consolePermission),
      user_count: users.roleCounts.get(role.id) ?? 0,
    })),
    users: { total: users.total, shown: users.shown },
    actions: Object.entries(registry.bindings()).map(([trigger]) => ({
      trigger,
      actions: registry.boundActions(trigger as TriggerId).map((a) => ({ id: a.id, name: a.name })),
    })),
  };
}

function consoleClient(client: ClientRecord): ConsoleClient {
  const refresh = client.refresh_token;
  return {
    client_id: client.client_id,
    name: client.name,
    ...(client.app_type === undefined ? {} : { app_type: client.app_type }),
    is_first_party: client.is_first_party,
    grant_types: [...client.grant_types],
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    callbacks: [...client.callbacks],
    allowed_origins: [...client.allowed_origins],
    web_origins: [...client.web_origins],
    allowed_logout_urls: [...client.allowed_logout_urls],
    ...(client.grant_types.includes('refresh_token')
      ? {
          refresh_token: {
            rotation_type: refresh.rotation_type,
            expiration_type: refresh.expiration_type,
            ...(refresh.policies.length > 0
              ? { policies: refresh.policies.map((p) => ({ audience: p.audience, scope: [...p.scope] })) }
              : {}),
          },
        }
      : {}),
  };
}

function consolePermission(p: Permission): ConsolePermission {
  return { audience: p.resource_server_identifier, permission: p.permission_name };
}

async function readUsers(tenant: TenantContext): Promise<{
  total: number;
  shown: ConsoleSystem['users']['shown'];
  roleCounts: Map<string, number>;
}> {
  const shown: ConsoleSystem['users']['shown'] = [];
  const roleCounts = new Map<string, number>();
  let offset = 0;
  let total = 0;
  for (;;) {
    const page = await tenant.storage.entities.list<UserRecord>('user', { offset, limit: USER_PAGE });
    total = page.total;
    for (const { doc: user } of page.items) {
      for (const roleId of user.roles) roleCounts.set(roleId, (roleCounts.get(roleId) ?? 0) + 1);
      if (shown.length < CONSOLE_USERS_SHOWN) {
        shown.push({
          user_id: user.user_id,
          ...(user.email ? { email: user.email } : {}),
          ...(user.name ? { name: user.name } : {}),
          blocked: user.blocked === true,
          role_ids: [...user.roles],
          permissions: user.permissions.map(consolePermission),
        });
      }
    }
    offset += page.items.length;
    if (page.items.length < USER_PAGE || offset >= total) break;
  }
  return { total, shown, roleCounts };
}
