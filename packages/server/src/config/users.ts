import type { Catalog, SectionEntry } from './catalog.ts';
import { USER_EMAIL_VERIFIED_DEFAULT } from './defaults.ts';
import type { PathSegment } from './format-path.ts';
import { type IssueCollector, quote } from './issues.ts';
import { metadataProblem } from './metadata-limits.ts';
import { checkPermissions, findRole } from './references.ts';
import type { RawUser } from './schema.ts';
import type { UserSeed } from './types.ts';
import { isHttpsUrl } from './urls.ts';

// Deliberately loose: the point is to catch `alice` or `alice@` typos, not to re-implement RFC 5322.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// Auth0 database-connection user ids; the part after the pipe is the connection-local id.
const USER_ID = /^auth0\|[^\s|]+$/;
const MIN_PASSWORD = 8;
const M2M_SUBJECT_SUFFIX = '@clients';
const MAX_PASSWORD = 1024;

/**
 * Checks the seed users (an authmesh extension): unique e-mails (case-insensitive, stored lower-case),
 * passwords that are never echoed, role names and permissions that exist.
 */
export function normalizeUsers(
  entries: readonly SectionEntry<RawUser>[],
  catalog: Catalog,
  issues: IssueCollector,
): UserSeed[] {
  const emails = new Map<string, PathSegment[]>();
  const userIds = new Map<string, PathSegment[]>();
  const out: UserSeed[] = [];
  for (const entry of entries) {
    if (entry.value === undefined) continue;
    const user = normalizeUser(entry.value, entry.path, catalog, issues);
    const emailPath = [...entry.path, 'email'];
    const firstEmail = emails.get(user.email);
    if (firstEmail !== undefined) {
      issues.error(
        emailPath,
        `e-mail ${quote(user.email)} is already used by ${issues.where(firstEmail)} (e-mails are compared case-insensitively)`,
        'remove one of the two users or change its e-mail',
      );
    } else {
      emails.set(user.email, emailPath);
    }
    if (user.user_id !== undefined) {
      const idPath = [...entry.path, 'user_id'];
      const firstId = userIds.get(user.user_id);
      if (firstId !== undefined) {
        issues.error(
          idPath,
          `user_id ${quote(user.user_id)} is already used by ${issues.where(firstId)}`,
          'give each user its own user_id, or remove it to have one derived',
        );
      } else {
        userIds.set(user.user_id, idPath);
      }
    }
    out.push(user);
  }
  return out;
}

function normalizeUser(raw: RawUser, path: readonly PathSegment[], catalog: Catalog, issues: IssueCollector): UserSeed {
  const at = (...rest: PathSegment[]) => [...path, ...rest];
  const email = raw.email.toLowerCase();
  if (!EMAIL.test(email)) {
    issues.error(
      at('email'),
      `${quote(raw.email)} is not a valid e-mail address`,
      'use an address like alice@example.com',
    );
  }
  // The password is never quoted, not even its first characters: messages end up in CI logs.
  if (raw.password.length < MIN_PASSWORD || raw.password.length > MAX_PASSWORD) {
    issues.error(
      at('password'),
      `password must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters long (it has ${raw.password.length})`,
      'set a longer password, preferably through an environment variable: `password: ##ALICE_PASSWORD##`',
    );
  }
  if (raw.user_id !== undefined && !USER_ID.test(raw.user_id)) {
    issues.error(
      at('user_id'),
      `user_id ${quote(raw.user_id)} must look like auth0|<id>`,
      'use a value like auth0|63d17c4a8869daf88ed7db97, or remove user_id to have one derived',
    );
  }
  if (raw.picture !== undefined && !isHttpsUrl(raw.picture)) {
    issues.error(
      at('picture'),
      `picture ${quote(raw.picture)} is not an https URL`,
      'use an https:// image URL or remove picture',
    );
  }

  for (const field of ['user_metadata', 'app_metadata'] as const) {
    const metadata = raw[field];
    const problem = metadata === undefined ? undefined : metadataProblem(field, metadata);
    if (problem !== undefined) {
      issues.error(at(field), problem, 'keep only identity data in metadata and store the rest in your own database');
    }
  }
  // `<client_id>@clients` is the subject of machine-to-machine tokens: a user with such an id would be
  // taken for an application by every API that tells the two apart by that suffix.
  if (raw.user_id?.endsWith(M2M_SUBJECT_SUFFIX)) {
    issues.error(
      at('user_id'),
      `user_id ${quote(raw.user_id)} ends in ${M2M_SUBJECT_SUFFIX}, the suffix of application (M2M) token subjects`,
      'choose a user_id that does not end in @clients, or remove user_id to have one derived',
    );
  }

  const roles: string[] = [];
  (raw.roles ?? []).forEach((name, i) => {
    if (findRole(catalog, name, at('roles', i), issues) !== undefined && !roles.includes(name)) roles.push(name);
  });

  return {
    email,
    password: raw.password,
    ...(raw.user_id === undefined ? {} : { user_id: raw.user_id }),
    ...(raw.name === undefined ? {} : { name: raw.name }),
    ...(raw.given_name === undefined ? {} : { given_name: raw.given_name }),
    ...(raw.family_name === undefined ? {} : { family_name: raw.family_name }),
    ...(raw.nickname === undefined ? {} : { nickname: raw.nickname }),
    ...(raw.picture === undefined ? {} : { picture: raw.picture }),
    email_verified: raw.email_verified ?? USER_EMAIL_VERIFIED_DEFAULT,
    roles,
    permissions: checkPermissions(raw.permissions, at('permissions'), catalog, issues),
    app_metadata: raw.app_metadata ?? {},
    user_metadata: raw.user_metadata ?? {},
  };
}
