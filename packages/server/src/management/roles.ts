import type { EntityOp } from '../storage/contract.ts';
import type { TenantContext } from '../tenant/context.ts';
import { newRoleId } from '../tenant/ids.ts';
import type { RoleRecord } from '../tenant/records.ts';
import { conflict } from './errors.ts';
import { paginate } from './pagination.ts';
import { parseRoleCreate, parseRoleUpdate } from './role-input.ts';
import type { ManagementDeps, ManagementRoute } from './types.ts';
import { allUsers, findRole, putRole, putUser } from './user-store.ts';

/*
 * `/api/v2/roles`. Statuses are Auth0's recorded ones: POST answers 200 (not 201)
 * and DELETE 200 `{}`. Role names are unique (409), as tenant.yaml and seeding key roles by name.
 * Deleting a role takes it off every user in the same atomic batch, so no user points at a missing role.
 * Members and permissions are in role-members.ts.
 */

const DUPLICATE = 'A role with the same name already exists.';

/** The role routes. */
export function roleRoutes({ tenant, writer }: ManagementDeps): ManagementRoute[] {
  return [
    {
      method: 'GET',
      path: '/roles',
      scopes: ['read:roles'],
      async handler({ query }) {
        const filter = query.get('name_filter')?.toLowerCase();
        const roles = tenant.registry
          .roles()
          .filter((r) => filter === undefined || r.name.toLowerCase().includes(filter));
        return { status: 200, body: paginate(roles.map(roleView), query, 'roles') };
      },
    },
    {
      method: 'POST',
      path: '/roles',
      scopes: ['create:roles'],
      body: true,
      async handler({ body }) {
        const input = parseRoleCreate(body);
        return writer.exclusive(async () => {
          if (nameTaken(tenant, input.name)) throw conflict(DUPLICATE);
          const role: RoleRecord = {
            id: newRoleId(),
            name: input.name,
            ...(input.description === undefined ? {} : { description: input.description }),
            permissions: [],
          };
          await writer.commit([putRole(role)], DUPLICATE);
          return { status: 200, body: roleView(role) };
        });
      },
    },
    {
      method: 'GET',
      path: '/roles/:id',
      scopes: ['read:roles'],
      async handler({ params }) {
        return { status: 200, body: roleView(findRole(tenant, params.id)) };
      },
    },
    {
      method: 'PATCH',
      path: '/roles/:id',
      scopes: ['update:roles'],
      body: true,
      async handler({ params, body }) {
        const input = parseRoleUpdate(body);
        return writer.exclusive(async () => {
          const stored = findRole(tenant, params.id);
          const role: RoleRecord = {
            ...stored,
            ...(input.name === undefined ? {} : { name: input.name }),
            ...(input.description === undefined ? {} : { description: input.description }),
          };
          if (role.name !== stored.name && nameTaken(tenant, role.name)) throw conflict(DUPLICATE);
          await writer.commit([putRole(role)], DUPLICATE);
          return { status: 200, body: roleView(role) };
        });
      },
    },
    {
      method: 'DELETE',
      path: '/roles/:id',
      scopes: ['delete:roles'],
      async handler({ params }) {
        return writer.exclusive(async () => {
          const stored = findRole(tenant, params.id);
          const ops: EntityOp[] = [{ op: 'delete', kind: 'role', id: stored.id }];
          for (const user of await allUsers(tenant)) {
            if (user.roles.includes(stored.id)) {
              ops.push(putUser({ ...user, roles: user.roles.filter((r) => r !== stored.id) }));
            }
          }
          await writer.commit(ops);
          return { status: 200, body: {} };
        });
      },
    },
  ];
}

/** A role as Auth0 returns it. */
export function roleView(role: RoleRecord): Record<string, unknown> {
  return { id: role.id, name: role.name, ...(role.description === undefined ? {} : { description: role.description }) };
}

function nameTaken(tenant: TenantContext, name: string): boolean {
  return tenant.registry.roles().some((r) => r.name === name);
}
