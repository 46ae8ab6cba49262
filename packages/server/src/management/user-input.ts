import { createHash } from 'node:crypto';
import * as z from 'zod';
import { createCatalog } from '../config/catalog.ts';
import { IssueCollector } from '../config/issues.ts';
import { metadataProblem } from '../config/metadata-limits.ts';
import { userSchema } from '../config/schema.ts';
import { normalizeUsers } from '../config/users.ts';
import { newUserId } from '../tenant/ids.ts';
import type { PasswordHasher } from '../tenant/password-kdf.ts';
import { hashPassword } from '../tenant/passwords.ts';
import type { UserRecord } from '../tenant/records.ts';
import { invalidBody, ManagementError } from './errors.ts';
import { throwFirstIssue, validateBody } from './validation.ts';

/*
 * Bodies of POST and PATCH /users, checked by tenant.yaml's user rules (e-mail shape, password of 8 to
 * 1024 characters never echoed, `auth0|…` ids, https pictures). Roles and permissions are not part of a
 * user body in Auth0: they have their own endpoints. The password is hashed here and goes nowhere else.
 */

const createSchema = userSchema
  .omit({ roles: true, permissions: true })
  .extend({ connection: z.string(), blocked: z.boolean().optional() });
const updateSchema = userSchema.omit({ roles: true, permissions: true }).partial().extend({
  connection: z.string().optional(),
  blocked: z.boolean().optional(),
});

export type UserUpdate = z.infer<typeof updateSchema>;

/**
 * The user a POST body describes, password hashed; throws 400 naming the offending field. `databases` are
 * the tenant's database connections: `connection` must name one (users of social connections sign in).
 */
export async function userToCreate(
  body: unknown,
  databases: readonly string[],
  hasher: PasswordHasher,
): Promise<UserRecord> {
  const input = validateBody(createSchema, body);
  checkConnection(input.connection, databases);
  const { connection: _connection, blocked, ...raw } = input;
  const [seed] = checkUserRules(raw);
  if (seed === undefined) throw new ManagementError(400, 'Invalid user', 'invalid_body');
  const now = new Date().toISOString();
  const user: UserRecord = {
    user_id: seed.user_id ?? newUserId(),
    email: seed.email,
    // Auth0's API default, unlike tenant.yaml's (seeded users are meant to log in at once).
    email_verified: raw.email_verified ?? false,
    name: seed.name ?? seed.email,
    nickname: seed.nickname ?? seed.email.split('@')[0] ?? seed.email,
    picture: seed.picture ?? avatar(seed.email),
    password_hash: await hashPassword(raw.password, hasher),
    roles: [],
    permissions: [],
    app_metadata: seed.app_metadata,
    user_metadata: seed.user_metadata,
    blocked: blocked ?? false,
    connection: input.connection,
    created_at: now,
    updated_at: now,
  };
  if (seed.given_name !== undefined) user.given_name = seed.given_name;
  if (seed.family_name !== undefined) user.family_name = seed.family_name;
  return user;
}

/** Validates a PATCH body on its own, before the handler checks which scopes its fields need. */
export function parseUserUpdate(body: unknown, databases: readonly string[]): UserUpdate {
  const update = validateBody(updateSchema, body);
  if (update.connection !== undefined) checkConnection(update.connection, databases);
  return update;
}

/**
 * `stored` with a PATCH applied. Metadata is merged one level deep and a `null` value removes its key,
 * as Auth0 does; other fields are replaced. A new e-mail is unverified unless the body says otherwise.
 */
export async function userToUpdate(
  stored: UserRecord,
  update: UserUpdate,
  hasher: PasswordHasher,
): Promise<UserRecord> {
  const { blocked, app_metadata, user_metadata, password } = update;
  const profile = pick(update, PROFILE_FIELDS);
  const email = update.email?.toLowerCase() ?? stored.email;
  // Re-check the whole profile with the seed rules; the stored hash stands in for an unchanged password.
  checkUserRules({
    email,
    password: password ?? 'unchanged-password',
    ...(update.picture === undefined ? {} : { picture: update.picture }),
  });
  const next: UserRecord = {
    ...stored,
    ...profile,
    email,
    email_verified: update.email_verified ?? (email === stored.email ? stored.email_verified : false),
    app_metadata: mergeMetadata(stored.app_metadata, app_metadata),
    user_metadata: mergeMetadata(stored.user_metadata, user_metadata),
    blocked: blocked ?? stored.blocked,
    updated_at: new Date().toISOString(),
  };
  // The merge can grow metadata past the limits one PATCH at a time, so the result is what is checked.
  for (const field of ['user_metadata', 'app_metadata'] as const) {
    const problem = metadataProblem(field, next[field]);
    if (problem !== undefined) throw invalidBody(problem, field);
  }
  if (password !== undefined) next.password_hash = await hashPassword(password, hasher);
  return next;
}

/** Profile fields a PATCH replaces as they are (ignored Auth0 fields such as `verify_email` are not stored). */
const PROFILE_FIELDS = ['name', 'given_name', 'family_name', 'nickname', 'picture'] as const;

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

function checkUserRules(raw: z.infer<typeof userSchema>) {
  const issues = new IssueCollector('<request>');
  const seeds = normalizeUsers([{ path: [], raw, value: raw }], createCatalog(), issues);
  throwFirstIssue(issues);
  return seeds;
}

function checkConnection(connection: string, databases: readonly string[]): void {
  if (databases.includes(connection)) return;
  throw new ManagementError(400, 'The connection does not exist.', 'inexistent_connection');
}

function mergeMetadata(
  stored: Record<string, unknown>,
  patch: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (patch === undefined) return stored;
  const merged = { ...stored, ...patch };
  for (const [key, value] of Object.entries(patch)) if (value === null) delete merged[key];
  return merged;
}

/** An offline placeholder picture URL in Auth0's shape (as tenant seeding makes); nothing fetches it. */
function avatar(email: string): string {
  const digest = createHash('md5').update(email.trim().toLowerCase()).digest('hex');
  return `https://s.gravatar.com/avatar/${digest}?s=480&r=pg&d=identicon`;
}
