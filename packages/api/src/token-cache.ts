import { type AuthResult, copyAuthResult } from './auth-result.ts';

/**
 * Opt-in cache of verified tokens: a hit skips parsing and the signature check (~1.5 µs instead of
 * ~25 µs). Bounded (oldest entries go first), and `exp` is still checked on every hit, so a cached token
 * never outlives its validity. Keyed by the token string itself: a different string is a different token.
 */
export class VerifiedTokenCache {
  readonly #max: number;
  readonly #entries = new Map<string, AuthResult>();

  constructor(maxEntries: number) {
    this.#max = maxEntries;
  }

  get(token: string, nowS: number, toleranceS: number): AuthResult | undefined {
    const hit = this.#entries.get(token);
    if (!hit) return undefined;
    if (nowS > hit.claims.exp + toleranceS) {
      this.#entries.delete(token);
      return undefined;
    }
    return copyAuthResult(hit);
  }

  set(token: string, auth: AuthResult): void {
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(token, copyAuthResult(auth));
  }
}
