import { AuthmeshError } from '../errors.ts';
import { userConnectionName, userKey } from './connections.ts';
import type { TenantContext } from './context.ts';
import { newUserId } from './ids.ts';
import { checkPasswordPolicy, type PasswordVerdict } from './password-policy.ts';
import { upgradePasswordHash } from './password-upgrade.ts';
import { checkPassword, hashPassword, MAX_PASSWORD_LENGTH } from './passwords.ts';
import type { ConnectionRecord, UserRecord } from './records.ts';
import { defaultName, defaultNickname, defaultPicture } from './user-defaults.ts';

/*
 * The users of a database connection: finding one by e-mail (or username, when the connection requires
 * usernames), checking a password, and signing one up under the connection's rules. Shared by the login
 * page, `/dbconnections/*` and the password grant, so that all three refuse the same things.
 */

/** The user of `connection` named by an e-mail address or (when the connection requires one) a username. */
export async function findDatabaseUser(
  tenant: TenantContext,
  connection: ConnectionRecord,
  identifier: string,
): Promise<UserRecord | undefined> {
  const wanted = identifier.trim().toLowerCase();
  if (wanted === '') return undefined;
  let user: UserRecord | undefined;
  if (wanted.includes('@')) {
    user = (await tenant.storage.entities.getByKey<UserRecord>('user', wanted))?.doc;
  } else if (connection.database?.requires_username) {
    // An index lookup: a guessed username costs one index read, not a read of every user.
    const named = await tenant.storage.entities.findUsersByUsername<UserRecord>(wanted);
    user = named.find((e) => e.doc.provider === undefined)?.doc;
  }
  if (!user || user.provider !== undefined) return undefined;
  return userConnectionName(user, tenant.registry) === connection.name ? user : undefined;
}

/**
 * Checks a password for a database user, with the same hashing work whether or not the user exists (no
 * timing oracle), and upgrades an old-format hash once the password is known. Blocked users never pass.
 */
export async function authenticateDatabaseUser(
  tenant: TenantContext,
  connection: ConnectionRecord,
  identifier: string,
  password: string,
): Promise<UserRecord | undefined> {
  const user = await findDatabaseUser(tenant, connection, identifier);
  const usable = password.length > 0 && password.length <= MAX_PASSWORD_LENGTH;
  const check = usable
    ? await checkPassword(password, user?.password_hash || undefined, tenant.passwordHasher)
    : undefined;
  if (!user || check?.matches !== true || user.blocked) return undefined;
  if (check.needsUpgrade)
    await upgradePasswordHash(
      tenant.storage.entities,
      user.user_id,
      user.password_hash,
      password,
      tenant.passwordHasher,
    );
  return user;
}

/** What a sign-up may set (Auth0's `/dbconnections/signup` body, less `client_id` and `connection`). */
export interface SignupInput {
  email: string;
  password: string;
  username?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  nickname?: string;
  picture?: string;
  user_metadata?: Record<string, unknown>;
  /** Set by pre-user-registration actions only (a sign-up request cannot set it, as on Auth0). */
  app_metadata?: Record<string, unknown>;
}

/** Why a sign-up was refused, by Auth0's error codes. */
export type SignupRefusal =
  | { code: 'signup_disabled' }
  | { code: 'username_required' }
  | { code: 'invalid_email' }
  | { code: 'user_exists' }
  | { code: 'username_exists' }
  | { code: 'invalid_password'; verdict: PasswordVerdict }
  | { code: 'password_too_long' };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const USERNAME = /^[A-Za-z0-9_+\-.!#$^`~@']{1,128}$/;

/** Creates a user in `connection`, or says which of Auth0's rules refused it. */
export async function signUp(
  tenant: TenantContext,
  connection: ConnectionRecord,
  input: SignupInput,
): Promise<{ user: UserRecord } | { refused: SignupRefusal }> {
  const options = connection.database;
  if (!options || options.disable_signup) return { refused: { code: 'signup_disabled' } };
  const email = input.email.trim().toLowerCase();
  if (!EMAIL.test(email) || email.length > 320) return { refused: { code: 'invalid_email' } };
  if (options.requires_username && (input.username === undefined || !USERNAME.test(input.username))) {
    return { refused: { code: 'username_required' } };
  }
  if (input.password.length > MAX_PASSWORD_LENGTH) return { refused: { code: 'password_too_long' } };
  const verdict = checkPasswordPolicy(input.password, options);
  if (!verdict.verified) return { refused: { code: 'invalid_password', verdict } };
  if (await tenant.storage.entities.getByKey('user', email)) return { refused: { code: 'user_exists' } };
  if (input.username !== undefined && options.requires_username) {
    // Taken by any user, of any connection: usernames are unique in the tenant (case-insensitively).
    const taken = await tenant.storage.entities.findUsersByUsername(input.username);
    if (taken.length > 0) return { refused: { code: 'username_exists' } };
  }
  const now = new Date().toISOString();
  const user: UserRecord = {
    user_id: newUserId(),
    email,
    email_verified: false,
    name: input.name ?? defaultName(email),
    nickname: input.nickname ?? defaultNickname(email),
    picture: input.picture ?? defaultPicture(email),
    password_hash: await hashPassword(input.password, tenant.passwordHasher),
    roles: [],
    permissions: [],
    app_metadata: input.app_metadata ?? {},
    user_metadata: input.user_metadata ?? {},
    blocked: false,
    connection: connection.name,
    created_at: now,
    updated_at: now,
  };
  if (input.given_name !== undefined) user.given_name = input.given_name;
  if (input.family_name !== undefined) user.family_name = input.family_name;
  if (input.username !== undefined && options.requires_username) user.username = input.username;
  try {
    await tenant.storage.entities.apply([{ op: 'put', kind: 'user', id: user.user_id, key: userKey(user), doc: user }]);
  } catch (error) {
    // Two sign-ups for one e-mail at once: the unique key lets exactly one through.
    if (error instanceof AuthmeshError && error.code === 'ERR_STORAGE_CONFLICT')
      return { refused: { code: 'user_exists' } };
    throw error;
  }
  return { user };
}

/**
 * Sets a new password (the reset link), under the connection's policy. Ends the user's sessions and
 * tokens, as a password change does on Auth0.
 */
export async function resetPassword(
  tenant: TenantContext,
  connection: ConnectionRecord,
  userId: string,
  password: string,
): Promise<{ ok: true } | { refused: SignupRefusal }> {
  if (password.length > MAX_PASSWORD_LENGTH) return { refused: { code: 'password_too_long' } };
  const verdict = checkPasswordPolicy(password, connection.database ?? { passwordPolicy: 'none' });
  if (!verdict.verified) return { refused: { code: 'invalid_password', verdict } };
  const entity = await tenant.storage.entities.get<UserRecord>('user', userId);
  if (!entity) return { ok: true };
  const doc: UserRecord = {
    ...entity.doc,
    password_hash: await hashPassword(password, tenant.passwordHasher),
    updated_at: new Date().toISOString(),
  };
  await tenant.storage.entities.apply([{ op: 'put', kind: 'user', id: entity.id, key: entity.key, doc }]);
  await tenant.storage.revokeAccount(entity.id);
  return { ok: true };
}
