import type { EntityStore } from '../storage/contract.ts';
import type { PasswordHasher } from './password-kdf.ts';
import { hashPassword } from './passwords.ts';
import type { UserRecord } from './records.ts';

/**
 * Replaces a user's outdated password hash (see `checkPassword`'s `needsUpgrade`) with a current one, made
 * from the password the caller has just verified against it. Only a successful login knows the
 * password, so this is the one moment an old hash can be upgraded.
 *
 * Nothing else about the user changes (not even `updated_at`: the password is the same), and the write is
 * skipped when the stored hash changed meanwhile (a password set through /api/v2 during the ~85 ms of
 * hashing wins). Returns whether the new hash was stored; a failure to store it never fails the login,
 * the next login simply tries again.
 */
export async function upgradePasswordHash(
  entities: EntityStore,
  userId: string,
  verifiedHash: string,
  password: string,
  hasher?: PasswordHasher,
): Promise<boolean> {
  try {
    const upgraded = await hashPassword(password, hasher);
    const current = await entities.get<UserRecord>('user', userId);
    if (!current || current.doc.password_hash !== verifiedHash) return false;
    const doc: UserRecord = { ...current.doc, password_hash: upgraded };
    await entities.apply([{ op: 'put', kind: 'user', id: current.id, key: current.key, doc }]);
    return true;
  } catch {
    return false;
  }
}
