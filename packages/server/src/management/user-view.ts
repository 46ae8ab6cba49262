import { identitiesOf } from '../tenant/connections.ts';
import type { UserRecord } from '../tenant/records.ts';
import type { TenantRegistry } from '../tenant/registry.ts';

/**
 * A user as Auth0 returns it. Built field by field, never by spreading the record,
 * so that `password_hash` cannot leak. `blocked` appears only once set, as on Auth0.
 */
export function userView(user: UserRecord, registry: TenantRegistry): Record<string, unknown> {
  return {
    created_at: user.created_at,
    email: user.email,
    email_verified: user.email_verified,
    ...(user.family_name === undefined ? {} : { family_name: user.family_name }),
    ...(user.given_name === undefined ? {} : { given_name: user.given_name }),
    identities: identitiesOf(user, registry),
    name: user.name,
    nickname: user.nickname,
    picture: user.picture,
    updated_at: user.updated_at,
    user_id: user.user_id,
    user_metadata: user.user_metadata,
    app_metadata: user.app_metadata,
    ...(user.blocked ? { blocked: true } : {}),
    // Auth0 shows these once the user has logged in.
    ...(user.last_ip === undefined ? {} : { last_ip: user.last_ip }),
    ...(user.last_login === undefined ? {} : { last_login: user.last_login }),
    ...(user.logins_count === undefined ? {} : { logins_count: user.logins_count }),
  };
}

/** A member of a role, as `GET /roles/{id}/users` lists it. */
export function roleMemberView(user: UserRecord): Record<string, unknown> {
  return { user_id: user.user_id, email: user.email, name: user.name, picture: user.picture };
}
