import { type KeyObject, sign as rsaSign } from 'node:crypto';
import { ExternalSigningKey } from 'oidc-provider';
import type { SigningKeyRing } from '../tenant/signing-key-ring.ts';

/*
 * oidc-provider reads its `jwks` once, when it is constructed, and signs with the first key that fits the
 * algorithm. The tenant's keys change while it runs (rotation, revocation, another process rotating), so
 * the engine is given a fixed number of slots instead of keys: `ExternalSigningKey`s (the engine's
 * documented hook for keys it does not hold, experimental feature `externalSigningSupport`) whose `kid`,
 * public key and signature are looked up in the {@link SigningKeyRing} at the moment they are used.
 * Slot i is the i-th published key: slot 0 is the current key, which the engine picks for signing; the
 * others only verify (an `id_token_hint` signed by an older, still-published key). The JWKS the engine
 * computed at construction is never served: http/jwks.ts answers the JWKS path from the ring.
 */

/** Published keys beyond this many still verify for APIs and the tenant, but not as an `id_token_hint`. */
const SLOTS = 8;

/** The `features.externalSigningSupport` setting the slots need (the experiment's version, as the engine asks). */
export const EXTERNAL_SIGNING_FEATURE = { enabled: true, ack: 'experimental-01' } as const;

class SigningKeySlot extends ExternalSigningKey {
  readonly #ring: SigningKeyRing;
  readonly #index: number;

  constructor(ring: SigningKeyRing, index: number) {
    super();
    this.#ring = ring;
    this.#index = index;
  }

  override get kid(): string {
    // A slot with no key has a kid no token carries; the engine requires kids to be distinct.
    return this.#ring.published()[this.#index]?.jwk.kid ?? `authmesh-unused-slot-${this.#index}`;
  }

  override set kid(_value: string) {
    // The kid is the ring's; the engine only assigns one to keys that have none.
  }

  override get alg(): string {
    return 'RS256';
  }

  override set alg(_value: string) {}

  override keyObject(): KeyObject {
    const published = this.#ring.published();
    const key = published[this.#index] ?? published[0];
    if (!key) throw new Error('the tenant has no signing key');
    return this.#ring.publicKey(key.jwk);
  }

  /**
   * Signs with the key the JWS header names: the engine wrote the header from `kid` a moment earlier, so
   * header and signature agree even when the current key changes in between.
   */
  override async sign(data: Uint8Array): Promise<Uint8Array> {
    const text = Buffer.from(data).toString('latin1');
    const header = JSON.parse(Buffer.from(text.slice(0, text.indexOf('.')), 'base64url').toString('utf8')) as {
      kid?: unknown;
    };
    const key = typeof header.kid === 'string' ? this.#ring.privateKey(header.kid) : undefined;
    if (!key) throw new Error('the signing key is no longer published');
    // With a callback, node:crypto signs on the libuv thread pool: the event loop keeps serving while RSA
    // works, as the engine's own WebCrypto signing does. Synchronous signing caps the tenant at one core.
    return new Promise((resolve, reject) => {
      rsaSign('RSA-SHA256', data, key, (error, signature) => (error ? reject(error) : resolve(signature)));
    });
  }
}

/** The engine's `jwks.keys`: {@link SLOTS} slots backed by `ring`. */
export function rotatingSigningKeys(ring: SigningKeyRing): ExternalSigningKey[] {
  return Array.from({ length: SLOTS }, (_, index) => new SigningKeySlot(ring, index));
}
