import type { Permission } from '../config/types.ts';
import type { TenantContext } from '../tenant/context.ts';
import type { UserRecord } from '../tenant/records.ts';
import { requireScope } from './auth.ts';
import { parseRoleIds } from './id-list-input.ts';
import { paginate } from './pagination.ts';
import {
  addPermissions,
  permissionsToAdd,
  permissionsToRemove,
  permissionView,
  removePermissions,
} from './permission-input.ts';
import { roleView } from './roles.ts';
import type { ManagementDeps, ManagementRoute } from './types.ts';
import { findRole, findUser, putUser } from './user-store.ts';

/*
 * A user's roles and direct permissions, with Auth0's recorded statuses: POST/DELETE
 * roles 204, POST permissions 201, DELETE permissions 204. Login reads the user from storage, so the next
 * token reflects a change.
 */

/** The routes under `/users/{id}/`. */
export function userAccessRoutes({ tenant, writer }: ManagementDeps): ManagementRoute[] {
  const apis = () => tenant.registry.resourceServers();
  /** Applies `change` to the stored user, in the write queue. */
  const updateUser = (id: string | undefined, change: (user: UserRecord) => UserRecord) =>
    writer.exclusive(async () => {
      const user = await findUser(tenant, id);
      await writer.commit([putUser({ ...change(user), updated_at: new Date().toISOString() })]);
    });

  return [
    {
      method: 'GET',
      path: '/users/:id/roles',
      // Auth0: read:users together with read:roles.
      scopes: ['read:users'],
      async handler({ params, query, caller }) {
        requireScope(caller, ['read:roles']);
        const user = await findUser(tenant, params.id);
        const roles = user.roles.map((id) => tenant.registry.role(id)).filter((r) => r !== undefined);
        return { status: 200, body: paginate(roles.map(roleView), query, 'roles') };
      },
    },
    {
      method: 'POST',
      path: '/users/:id/roles',
      scopes: ['update:users', 'create:role_members'],
      body: true,
      async handler({ params, body }) {
        const roleIds = parseRoleIds(body);
        await updateUser(params.id, (user) => {
          for (const id of roleIds) findRole(tenant, id);
          return { ...user, roles: [...user.roles, ...roleIds.filter((id) => !user.roles.includes(id))] };
        });
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      path: '/users/:id/roles',
      scopes: ['update:users', 'delete:role_members'],
      body: true,
      async handler({ params, body }) {
        const roleIds = parseRoleIds(body);
        await updateUser(params.id, (user) => ({ ...user, roles: user.roles.filter((id) => !roleIds.includes(id)) }));
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      path: '/users/:id/permissions',
      scopes: ['read:users'],
      async handler({ params, query }) {
        const user = await findUser(tenant, params.id);
        const known = apis();
        const items = effectivePermissions(tenant, user).map(({ permission, sources }) => ({
          sources,
          ...permissionView(permission, known),
        }));
        return { status: 200, body: paginate(items, query, 'permissions') };
      },
    },
    {
      method: 'POST',
      path: '/users/:id/permissions',
      scopes: ['update:users'],
      body: true,
      async handler({ params, body }) {
        // Checked against the APIs inside the write queue, so a concurrent API deletion cannot slip between.
        await updateUser(params.id, (user) => ({
          ...user,
          permissions: addPermissions(user.permissions, permissionsToAdd(body, apis())),
        }));
        return { status: 201, body: {} };
      },
    },
    {
      method: 'DELETE',
      path: '/users/:id/permissions',
      scopes: ['update:users'],
      body: true,
      async handler({ params, body }) {
        const removed = permissionsToRemove(body);
        await updateUser(params.id, (user) => ({
          ...user,
          permissions: removePermissions(user.permissions, removed),
        }));
        return { status: 204 };
      },
    },
  ];
}

interface Source {
  source_id: string;
  source_name: string;
  source_type: 'DIRECT' | 'ROLE';
}

/** Direct and role permissions, each once, with where it comes from (Auth0's `sources`). */
function effectivePermissions(
  tenant: TenantContext,
  user: UserRecord,
): { permission: Permission; sources: Source[] }[] {
  const byKey = new Map<string, { permission: Permission; sources: Source[] }>();
  const add = (permission: Permission, source: Source) => {
    const key = `${permission.resource_server_identifier} ${permission.permission_name}`;
    const entry = byKey.get(key) ?? { permission, sources: [] };
    entry.sources.push(source);
    byKey.set(key, entry);
  };
  for (const p of user.permissions) add(p, { source_id: '', source_name: '', source_type: 'DIRECT' });
  for (const roleId of user.roles) {
    const role = tenant.registry.role(roleId);
    for (const p of role?.permissions ?? [])
      add(p, { source_id: roleId, source_name: role?.name ?? '', source_type: 'ROLE' });
  }
  return [...byKey.values()];
}
