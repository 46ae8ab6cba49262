import type { EntityOp } from '../storage/contract.ts';
import { userKey } from '../tenant/connections.ts';
import type { TenantContext } from '../tenant/context.ts';
import type { RoleRecord, UserRecord } from '../tenant/records.ts';
import { ManagementError } from './errors.ts';

/*
 * Users are not in the registry (the login reads them from storage on every attempt), so the user routes
 * read storage directly. Users are stored under their lower-cased e-mail: the key makes e-mails unique.
 */

/** Auth0's 404 for a user id that does not exist. */
export function userNotFound(): ManagementError {
  return new ManagementError(404, 'The user does not exist.', 'inexistent_user');
}

/** The user with this id; 404 otherwise. */
export async function findUser(tenant: TenantContext, userId: string | undefined): Promise<UserRecord> {
  const entity = userId === undefined ? undefined : await tenant.storage.entities.get<UserRecord>('user', userId);
  if (!entity) throw userNotFound();
  return entity.doc;
}

/** Every user, in creation order. */
export async function allUsers(tenant: TenantContext): Promise<UserRecord[]> {
  const page = await tenant.storage.entities.list<UserRecord>('user');
  return page.items.map((e) => e.doc);
}

/**
 * The users from `offset` (at most `limit` of them), in creation order as {@link allUsers}, and how many users
 * there are: storage reads the page only, so a page of a large tenant costs the page, not every user.
 */
export async function usersPage(
  tenant: TenantContext,
  offset: number,
  limit: number,
): Promise<{ users: UserRecord[]; total: number }> {
  const page = await tenant.storage.entities.list<UserRecord>('user', { offset, limit });
  return { users: page.items.map((e) => e.doc), total: page.total };
}

/** The role with this id; 404 otherwise. */
export function findRole(tenant: TenantContext, roleId: string | undefined): RoleRecord {
  const role = roleId === undefined ? undefined : tenant.registry.role(roleId);
  if (!role) throw new ManagementError(404, 'The role does not exist.', 'inexistent_role');
  return role;
}

export function putUser(user: UserRecord): EntityOp {
  return { op: 'put', kind: 'user', id: user.user_id, key: userKey(user), doc: user };
}

/** Roles are stored under their name, as tenant seeding stores them: the key makes names unique. */
export function putRole(role: RoleRecord): EntityOp {
  return { op: 'put', kind: 'role', id: role.id, key: role.name, doc: role };
}
