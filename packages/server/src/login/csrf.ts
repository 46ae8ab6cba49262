import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Login CSRF tokens bound to one login transaction (the interaction uid) with a server key. A forged
 * cross-site POST fails twice: the interaction cookie is `SameSite=Lax` (not sent on cross-site POSTs),
 * and the attacker cannot compute the token for the victim's transaction.
 */
export class CsrfTokens {
  readonly #key: Buffer;

  constructor(key: string) {
    this.#key = Buffer.from(`authmesh-login-csrf:${key}`);
  }

  issue(transaction: string): string {
    return createHmac('sha256', this.#key).update(transaction).digest('base64url');
  }

  verify(transaction: string, token: unknown): boolean {
    if (typeof token !== 'string' || token.length > 128) return false;
    const expected = Buffer.from(this.issue(transaction));
    const actual = Buffer.from(token);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
