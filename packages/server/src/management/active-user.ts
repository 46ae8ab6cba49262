import type { TenantContext } from '../tenant/context.ts';
import type { UserRecord } from '../tenant/records.ts';
import { ManagementError } from './errors.ts';
import type { Caller } from './types.ts';

/**
 * A user's own Management API token (self-service) stops working the moment its user is blocked or
 * deleted: the JWT itself stays valid until `exp`, so the user is read on every call that carries one.
 * Machine-to-machine tokens act for no user and pass.
 *
 * @throws ManagementError 401 `invalid_token`, as for any token the API no longer accepts.
 */
export async function requireActiveUser(tenant: TenantContext, caller: Caller): Promise<void> {
  if (caller.user === undefined) return;
  const user = await tenant.storage.entities.get<UserRecord>('user', caller.user);
  if (user !== undefined && user.doc.blocked !== true) return;
  throw new ManagementError(401, 'Invalid token', undefined, {
    attributes: { error: 'Invalid token' },
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  });
}
