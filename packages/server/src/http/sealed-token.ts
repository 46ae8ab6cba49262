import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Bearer values the tenant must keep for a moment in shared storage (the live refresh token of a family, for
 * the rotation overlap period) are sealed: AES-256-GCM under a key derived from a tenant secret, bound to the
 * record they belong to. A reader of the database learns nothing it could redeem.
 */
export class TokenSealer {
  readonly #key: Buffer;

  /** `secret`: a tenant secret shared by every process (a cookie key); `purpose` separates derived keys. */
  constructor(secret: string, purpose: string) {
    this.#key = Buffer.from(hkdfSync('sha256', secret, 'authmesh', purpose, 32));
  }

  /** `value` encrypted and authenticated, bound to `context` (e.g. the grant id): base64url. */
  seal(value: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context));
    const sealed = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  /** The value, or undefined when `sealed` was not sealed by this key for this `context`. */
  open(sealed: string, context: string): string | undefined {
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length < 28) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

/** A one-way digest of a bearer value, for comparing a presented token with a remembered one. */
export function tokenDigest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
