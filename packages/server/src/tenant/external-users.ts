import { externalUserId, userKey } from './connections.ts';
import type { TenantContext } from './context.ts';
import type { ConnectionRecord, UserRecord } from './records.ts';
import { defaultNickname, defaultPicture } from './user-defaults.ts';

/** What the local identity page returns for a social or enterprise connection. */
export interface ExternalProfile {
  email: string;
  name?: string;
}

/**
 * The user a test identity of a social/enterprise connection signs in as: created on first sign-in, as
 * Auth0 creates a user the first time someone logs in with Google, and updated (name) on later ones. The
 * id is `<strategy>|<number>`, stable for (connection, e-mail). Such users have no password.
 */
export async function signInExternalUser(
  tenant: TenantContext,
  connection: ConnectionRecord,
  profile: ExternalProfile,
): Promise<UserRecord> {
  const email = profile.email.trim().toLowerCase();
  const userId = `${connection.strategy}|${externalUserId(connection.name, email)}`;
  const existing = (await tenant.storage.entities.get<UserRecord>('user', userId))?.doc;
  const now = new Date().toISOString();
  const name = profile.name?.trim() || existing?.name || email;
  const user: UserRecord = existing
    ? { ...existing, name, updated_at: now }
    : {
        user_id: userId,
        email,
        // Social providers hand over verified addresses (Google, GitHub): Auth0 copies the flag.
        email_verified: true,
        name,
        nickname: defaultNickname(email),
        picture: defaultPicture(email),
        password_hash: '',
        roles: [],
        permissions: [],
        app_metadata: {},
        user_metadata: {},
        blocked: false,
        connection: connection.name,
        provider: connection.strategy,
        created_at: now,
        updated_at: now,
      };
  await tenant.storage.entities.apply([{ op: 'put', kind: 'user', id: user.user_id, key: userKey(user), doc: user }]);
  return user;
}

/** The identities of a connection used so far, newest last, for the identity page's one-click list. */
export async function knownExternalUsers(tenant: TenantContext, connection: ConnectionRecord): Promise<UserRecord[]> {
  const all = await tenant.storage.entities.list<UserRecord>('user');
  return all.items.map((e) => e.doc).filter((u) => u.connection === connection.name && u.provider !== undefined);
}
