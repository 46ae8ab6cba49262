import type { TenantContext } from './context.ts';
import type { UserRecord } from './records.ts';

/**
 * Records one successful login on the user, as Auth0 keeps it: `logins_count` (the action's
 * `event.stats.logins_count`), `last_login` and `last_ip` (both shown by `/api/v2/users`). Called once per
 * login (the login page, a social or enterprise login, silent authentication, the password grants), never
 * for a refresh-token exchange nor for a login resumed after an action's redirect. Answers the new count.
 */
export async function recordLogin(tenant: TenantContext, userId: string, ip: string): Promise<number> {
  const entity = await tenant.storage.entities.get<UserRecord>('user', userId);
  if (!entity) return 0;
  const count = (entity.doc.logins_count ?? 0) + 1;
  const doc: UserRecord = {
    ...entity.doc,
    logins_count: count,
    last_login: new Date().toISOString(),
    ...(ip === '' ? {} : { last_ip: ip }),
  };
  await tenant.storage.entities.apply([{ op: 'put', kind: 'user', id: entity.id, key: entity.key, doc }]);
  return count;
}
