import * as z from 'zod';
import { validateBody } from './validation.ts';

/*
 * Bodies that list ids: `{roles: [role_id…]}` (POST/DELETE /users/{id}/roles) and `{users: [user_id…]}`
 * (POST /roles/{id}/users). Auth0 requires at least one id.
 */

const ids = z.array(z.string().min(1)).min(1);
const rolesBody = z.strictObject({ roles: ids });
const usersBody = z.strictObject({ users: ids });

/** The role ids of a `{roles}` body, de-duplicated. */
export function parseRoleIds(body: unknown): string[] {
  return [...new Set(validateBody(rolesBody, body).roles)];
}

/** The user ids of a `{users}` body, de-duplicated. */
export function parseUserIds(body: unknown): string[] {
  return [...new Set(validateBody(usersBody, body).users)];
}
