import { hasScope, requireScope } from './auth.ts';
import { parseUserIds } from './id-list-input.ts';
import { paginate } from './pagination.ts';
import {
  addPermissions,
  permissionsToAdd,
  permissionsToRemove,
  permissionView,
  removePermissions,
} from './permission-input.ts';
import type { ManagementDeps, ManagementRoute } from './types.ts';
import { allUsers, findRole, findUser, putRole, putUser } from './user-store.ts';
import { roleMemberView } from './user-view.ts';

/*
 * A role's permissions and members, with Auth0's recorded statuses: POST
 * permissions 201 `{}`, DELETE permissions 204. The token endpoint reads roles from the registry, which
 * every write refreshes: a user's next token reflects the change.
 */

/** The routes under `/roles/{id}/`. */
export function roleMemberRoutes({ tenant, writer }: ManagementDeps): ManagementRoute[] {
  const apis = () => tenant.registry.resourceServers();

  return [
    {
      method: 'GET',
      path: '/roles/:id/permissions',
      scopes: ['read:roles'],
      async handler({ params, query }) {
        const role = findRole(tenant, params.id);
        const known = apis();
        const items = role.permissions.map((p) => permissionView(p, known));
        return { status: 200, body: paginate(items, query, 'permissions') };
      },
    },
    {
      method: 'POST',
      path: '/roles/:id/permissions',
      scopes: ['update:roles'],
      body: true,
      async handler({ params, body }) {
        return writer.exclusive(async () => {
          const role = findRole(tenant, params.id);
          const added = permissionsToAdd(body, apis());
          await writer.commit([putRole({ ...role, permissions: addPermissions(role.permissions, added) })]);
          return { status: 201, body: {} };
        });
      },
    },
    {
      method: 'DELETE',
      path: '/roles/:id/permissions',
      scopes: ['update:roles'],
      body: true,
      async handler({ params, body }) {
        const removed = permissionsToRemove(body);
        return writer.exclusive(async () => {
          const role = findRole(tenant, params.id);
          await writer.commit([putRole({ ...role, permissions: removePermissions(role.permissions, removed) })]);
          return { status: 204 };
        });
      },
    },
    {
      method: 'GET',
      path: '/roles/:id/users',
      // Auth0: read:role_members, or read:users together with read:roles.
      scopes: ['read:role_members', 'read:users'],
      async handler({ params, query, caller }) {
        if (!hasScope(caller, 'read:role_members')) requireScope(caller, ['read:roles']);
        const role = findRole(tenant, params.id);
        const members = (await allUsers(tenant)).filter((u) => u.roles.includes(role.id));
        return { status: 200, body: paginate(members.map(roleMemberView), query, 'users') };
      },
    },
    {
      method: 'POST',
      path: '/roles/:id/users',
      scopes: ['update:roles', 'create:role_members'],
      body: true,
      async handler({ params, body }) {
        const userIds = parseUserIds(body);
        return writer.exclusive(async () => {
          const role = findRole(tenant, params.id);
          const users = await Promise.all(userIds.map((id) => findUser(tenant, id)));
          const ops = users
            .filter((u) => !u.roles.includes(role.id))
            .map((u) => putUser({ ...u, roles: [...u.roles, role.id] }));
          if (ops.length > 0) await writer.commit(ops);
          return { status: 200, body: {} };
        });
      },
    },
  ];
}
