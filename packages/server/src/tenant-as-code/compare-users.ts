import type { UserSeed } from '../config/types.ts';
import { verifyPassword } from '../tenant/passwords.ts';
import type { UserRecord } from '../tenant/records.ts';
import { defaultName, defaultNickname, defaultPicture } from '../tenant/user-defaults.ts';
import { sortPermissions } from './canonical.ts';
import type { Comparison } from './diff.ts';

/**
 * A seed user against the stored user, with the defaults seedTenant derives applied first, so that an
 * omitted `name` is not reported as a change. Roles are compared by NAME. The password is checked
 * against the stored hash and reported without values.
 *
 * @param roleNames - stored role id → role name.
 */
export async function compareUser(
  seed: UserSeed,
  stored: UserRecord | undefined,
  roleNames: ReadonlyMap<string, string>,
): Promise<Comparison> {
  const desired: Record<string, unknown> = {
    ...(seed.user_id === undefined ? {} : { user_id: seed.user_id }),
    name: seed.name ?? defaultName(seed.email),
    given_name: seed.given_name,
    family_name: seed.family_name,
    nickname: seed.nickname ?? defaultNickname(seed.email),
    picture: seed.picture ?? defaultPicture(seed.email),
    email_verified: seed.email_verified,
    roles: seed.roles,
    permissions: sortPermissions(seed.permissions),
    app_metadata: seed.app_metadata,
    user_metadata: seed.user_metadata,
    // Seeding unblocks: the file has no way to say `blocked`.
    blocked: false,
  };
  if (stored === undefined) return { desired, stored: undefined };
  const current: Record<string, unknown> = {
    ...(seed.user_id === undefined ? {} : { user_id: stored.user_id }),
    name: stored.name,
    given_name: stored.given_name,
    family_name: stored.family_name,
    nickname: stored.nickname,
    picture: stored.picture,
    email_verified: stored.email_verified,
    roles: stored.roles.map((id) => roleNames.get(id) ?? id),
    permissions: sortPermissions(stored.permissions),
    app_metadata: stored.app_metadata,
    user_metadata: stored.user_metadata,
    blocked: stored.blocked,
  };
  const samePassword = await verifyPassword(seed.password, stored.password_hash);
  return { desired, stored: current, changedSecrets: samePassword ? [] : ['password'] };
}
