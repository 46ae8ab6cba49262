import { USER_EMAIL_VERIFIED_DEFAULT } from '../config/defaults.ts';
import type { UserRecord } from '../tenant/records.ts';
import { defaultName, defaultNickname, defaultPicture } from '../tenant/user-defaults.ts';
import { compare, isEmptyObject, sortKeysDeep, sortPermissions } from './canonical.ts';
import { passwordKeyword, passwordVariable } from './placeholders.ts';

type Entry = Record<string, unknown>;

/**
 * A user as an authmesh `users:` entry. Never the password hash: the password is a keyword placeholder
 * (see placeholders.ts). `user_id` is pinned so tokens' `sub` stays the same after an import.
 * Field order: email, user_id, password, name, given_name, family_name, nickname, picture,
 * email_verified, roles (names, sorted), permissions (sorted), app_metadata, user_metadata.
 *
 * @param roleNames - role id → role name; an id without a role (deleted meanwhile) is left out.
 */
export function userEntry(user: UserRecord, roleNames: ReadonlyMap<string, string>): Entry {
  const out: Entry = {
    email: user.email,
    user_id: user.user_id,
    password: passwordKeyword(passwordVariable(user.email)),
  };
  if (user.name !== defaultName(user.email)) out.name = user.name;
  if (user.given_name !== undefined) out.given_name = user.given_name;
  if (user.family_name !== undefined) out.family_name = user.family_name;
  if (user.nickname !== defaultNickname(user.email)) out.nickname = user.nickname;
  if (user.picture !== defaultPicture(user.email)) out.picture = user.picture;
  if (user.email_verified !== USER_EMAIL_VERIFIED_DEFAULT) out.email_verified = user.email_verified;
  const roles = user.roles.flatMap((id) => roleNames.get(id) ?? []).sort(compare);
  if (roles.length > 0) out.roles = roles;
  if (user.permissions.length > 0) out.permissions = sortPermissions(user.permissions);
  if (!isEmptyObject(user.app_metadata)) out.app_metadata = sortKeysDeep(user.app_metadata);
  if (!isEmptyObject(user.user_metadata)) out.user_metadata = sortKeysDeep(user.user_metadata);
  return out;
}
