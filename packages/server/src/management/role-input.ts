import { roleSchema } from '../config/schema.ts';
import { validateBody } from './validation.ts';

/*
 * Bodies of POST and PATCH /roles: `name` and `description`, as tenant.yaml's role schema has them (`id`
 * accepted and ignored). Permissions have their own endpoints, as in Auth0.
 */

const createSchema = roleSchema.omit({ permissions: true });
const updateSchema = createSchema.partial();

/** The fields of a role a PATCH body sets (undefined: unchanged). */
export interface RoleInput {
  name?: string | undefined;
  description?: string | undefined;
}

/** The name and description of a new role; throws 400 naming the offending field. */
export function parseRoleCreate(body: unknown): { name: string; description?: string | undefined } {
  const { name, description } = validateBody(createSchema, body);
  return { name, description };
}

/** The fields a PATCH changes. */
export function parseRoleUpdate(body: unknown): RoleInput {
  const { name, description } = validateBody(updateSchema, body);
  return { name, description };
}
