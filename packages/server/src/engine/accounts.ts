import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import type { TenantContext } from '../tenant/context.ts';
import type { UserRecord } from '../tenant/records.ts';

/** An engine Account that also carries the user record, so hooks need not look it up twice. */
interface UserAccount extends Account {
  user: UserRecord;
}

/** The standard claims of a user, by Auth0's names; the engine filters them by the granted scopes. */
export function userClaims(user: UserRecord): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    sub: user.user_id,
    name: user.name,
    nickname: user.nickname,
    picture: user.picture,
    updated_at: user.updated_at,
    email: user.email,
    email_verified: user.email_verified,
  };
  if (user.given_name !== undefined) claims.given_name = user.given_name;
  if (user.family_name !== undefined) claims.family_name = user.family_name;
  return claims;
}

/** `findAccount`: users of the database connection; a blocked or deleted user has no account. */
export function createFindAccount(tenant: TenantContext) {
  return async function findAccount(_ctx: KoaContextWithOIDC, sub: string): Promise<UserAccount | undefined> {
    const entity = await tenant.storage.entities.get<UserRecord>('user', sub);
    if (!entity || entity.doc.blocked) return undefined;
    const user = entity.doc;
    return {
      accountId: user.user_id,
      user,
      claims: async () => ({ ...userClaims(user), sub: user.user_id }),
    };
  };
}

/** The user record behind an engine Account, when the Account is one of ours. */
export function accountUser(account: unknown): UserRecord | undefined {
  const candidate = (account as Partial<UserAccount> | undefined)?.user;
  return candidate && typeof candidate.user_id === 'string' ? candidate : undefined;
}
