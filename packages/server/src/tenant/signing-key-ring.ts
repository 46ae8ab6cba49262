import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { Storage } from '../storage/contract.ts';
import { generateSigningKey, loadSigningKeys, type SigningJwk } from './keys.ts';
import type { TenantRegistry } from './registry.ts';
import {
  currentKey,
  initialKeySet,
  publishedKeys,
  type RotationTiming,
  revoke,
  rotate,
  type SigningKeySet,
  type StoredSigningKey,
} from './signing-key-set.ts';

/** Where the key set is stored (the tenant's first key also stays where it was before rotation existed). */
const KEY_SET = 'keys:signing:set';
/** The lock every change of the stored set is made under (see {@link Storage.exclusive}). */
const KEY_SET_LOCK = 'keys:signing:set:change';

/**
 * How long a rotation publishes the next key before it signs, by default: the JWKS cache lifetime of
 * `@authmesh/api` (10 minutes), so even a verifier that never refetches on an unknown `kid` has the key first.
 */
export const DEFAULT_ROTATION_DELAY_MS = 600_000;
/** How often a process re-reads the key set: a rotation made by another process is seen within this. */
export const DEFAULT_KEY_POLL_MS = 1_000;

export interface SigningKeyRingOptions {
  /** Milliseconds since the epoch; `Date.now` unless a test steers time. */
  now?: () => number;
  /** Re-read the stored set this often (0: never, for one-shot tools like the CLI). */
  pollMs?: number;
}

/** Anything that knows the tenant's public keys by `kid` right now (the own-token verifiers take this). */
export interface PublicKeySource {
  publicKeys(): ReadonlyMap<string, KeyObject>;
}

/**
 * The tenant's signing keys as one process sees them: the stored {@link SigningKeySet}, re-read every
 * `pollMs`, and the current and published keys computed from the clock on every call, so all processes
 * reading one database switch keys at the same moment without a message between them.
 */
export class SigningKeyRing implements PublicKeySource {
  readonly #storage: Storage;
  readonly #now: () => number;
  #set: SigningKeySet;
  #timer: NodeJS.Timeout | undefined;
  /** Bumped by every local write: a read that started before one must not put the older set back. */
  #generation = 0;
  readonly #publicKeyCache = new Map<string, KeyObject>();
  readonly #privateKeyCache = new Map<string, KeyObject>();

  private constructor(storage: Storage, set: SigningKeySet, now: () => number) {
    this.#storage = storage;
    this.#set = set;
    this.#now = now;
  }

  /** Loads the set (creating the first key, or adopting a pre-rotation key, once across processes). */
  static async open(storage: Storage, options: SigningKeyRingOptions = {}): Promise<SigningKeyRing> {
    const now = options.now ?? Date.now;
    const ring = new SigningKeyRing(storage, await loadKeySet(storage, now()), now);
    const pollMs = options.pollMs ?? DEFAULT_KEY_POLL_MS;
    if (pollMs > 0) ring.#poll(pollMs);
    return ring;
  }

  /** The stored set as last read. */
  get set(): SigningKeySet {
    return this.#set;
  }

  now(): number {
    return this.#now();
  }

  /** The key that signs now. */
  current(): StoredSigningKey | undefined {
    return currentKey(this.#set, this.#now());
  }

  /** The keys in the JWKS now, the current one first. */
  published(): StoredSigningKey[] {
    return publishedKeys(this.#set, this.#now());
  }

  /** The public keys of the published keys, by `kid`: a token signed with any other key is refused. */
  publicKeys(): ReadonlyMap<string, KeyObject> {
    return new Map(this.published().map((key) => [key.jwk.kid, this.publicKey(key.jwk)]));
  }

  /** The public key of `jwk` (cached: keys are immutable). */
  publicKey(jwk: SigningJwk): KeyObject {
    let key = this.#publicKeyCache.get(jwk.kid);
    if (!key) {
      key = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' });
      this.#publicKeyCache.set(jwk.kid, key);
    }
    return key;
  }

  /** The private key of the published key `kid`, or undefined when `kid` is not published now. */
  privateKey(kid: string): KeyObject | undefined {
    const stored = this.published().find((key) => key.jwk.kid === kid);
    if (!stored) return undefined;
    let key = this.#privateKeyCache.get(kid);
    if (!key) {
      key = createPrivateKey({ key: { ...stored.jwk }, format: 'jwk' });
      this.#privateKeyCache.set(kid, key);
    }
    return key;
  }

  /** Re-reads the stored set. */
  async refresh(): Promise<void> {
    const generation = this.#generation;
    const stored = await this.#storage.getState<SigningKeySet>(KEY_SET);
    if (stored && generation === this.#generation) this.#set = stored;
  }

  /**
   * Generates and stores the next key (see {@link rotate}); returns it. Rotations and revocations of every
   * process sharing the storage run one after the other, each on the set the previous one stored: two at once
   * both take effect (two keys added, the later one signing last), never one overwriting the other.
   */
  async rotate(timing: RotationTiming): Promise<StoredSigningKey> {
    // Generated before the lock: a 2048-bit key takes tens of milliseconds, which others need not wait for.
    const next = generateSigningKey();
    return this.#change((set) => {
      const rotated = rotate(set, next, this.#now(), timing);
      return { set: rotated, result: rotated.keys.at(-1) as StoredSigningKey };
    });
  }

  /** Revokes `kid` at once (see {@link revoke}), in turn with every other rotation and revocation. */
  async revoke(kid: string): Promise<StoredSigningKey> {
    return this.#change((set) => {
      const revoked = revoke(set, kid, this.#now());
      return { set: revoked, result: revoked.keys.find((key) => key.jwk.kid === kid) as StoredSigningKey };
    });
  }

  /** Stops re-reading. */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Read, change and write the stored set holding the storage's lock on it (across processes on Postgres):
   * a read-modify-write two callers interleave would lose one caller's change.
   */
  #change<T>(change: (set: SigningKeySet) => { set: SigningKeySet; result: T }): Promise<T> {
    return this.#storage.exclusive(KEY_SET_LOCK, async () => {
      const stored = (await this.#storage.getState<SigningKeySet>(KEY_SET)) ?? this.#set;
      const { set, result } = change(stored);
      await this.#write(set);
      return result;
    });
  }

  async #write(set: SigningKeySet): Promise<void> {
    this.#generation += 1;
    this.#set = set;
    try {
      await this.#storage.setState(KEY_SET, set);
    } finally {
      // Reads that started while the write was under way may have read the set before it.
      this.#generation += 1;
    }
  }

  #poll(pollMs: number): void {
    this.#timer = setInterval(() => {
      // A failed read keeps the last set: keys change rarely, and storage being down is reported elsewhere.
      this.refresh().catch(() => {});
    }, pollMs);
    this.#timer.unref();
  }
}

/**
 * How long after a rotation the replaced keys stay published: the longest lifetime of any token the tenant
 * signs now (access tokens of every API, ID tokens of every client), so each of their tokens expires first.
 */
export function longestTokenLifetimeMs(registry: TenantRegistry): number {
  const seconds = Math.max(
    86_400,
    ...registry.resourceServers().map((api) => api.token_lifetime),
    ...registry.clients().map((client) => client.id_token_lifetime),
  );
  return seconds * 1000;
}

async function loadKeySet(storage: Storage, now: number): Promise<SigningKeySet> {
  const existing = await storage.getState<SigningKeySet>(KEY_SET);
  if (existing && existing.keys.length > 0) return existing;
  // The first key is created once where tenants from before rotation keep theirs (their tokens stay valid).
  const first = await loadSigningKeys(storage);
  return storage.setStateIfAbsent(KEY_SET, initialKeySet(first, now));
}
