import { describe, expect, it } from 'vitest';
import type { TokenEntry, TokenStore } from '../../../src/m2m/index.ts';

/** One implementation under test, with the hooks that depend on how it keeps time. */
export interface StoreSubject {
  store: TokenStore;
  /** Another instance on the same data, as another process would have (for memory stores: the same instance). */
  peer: TokenStore;
  /** Asserts that `set`/`acquire` with `ttlMs` make the entry or lock go away after `ttlMs`. */
  expectTtl(kind: 'token' | 'lock', key: string, ttlMs: number): Promise<void>;
  /** Makes the lock of `key` expire now. */
  expireLock(key: string): Promise<void>;
}

export function entry(accessToken = 'token-a', overrides: Partial<TokenEntry> = {}): TokenEntry {
  return {
    accessToken,
    tokenType: 'Bearer',
    scope: 'read:catalog',
    receivedAt: 1_000,
    expiresAt: 3_601_000,
    ...overrides,
  };
}

/** The {@link TokenStore} contract, run against every implementation (one suite, as auth0-spa-js does for caches). */
export function describeStoreContract(
  name: string,
  setup: () => Promise<StoreSubject>,
  /** Whether each instance releases only its own locks (random lock values); memory stores lock per key only. */
  features: { ownsLocks: boolean },
): void {
  describe(`TokenStore contract: ${name}`, () => {
    let n = 0;
    const key = () =>
      JSON.stringify(['https://tenant.test/oauth/token', 'svc', `https://api-${++n}.test`, `${Math.random()}`]);

    it('get of an unknown key → undefined', async () => {
      const { store } = await setup();
      expect(await store.get(key())).toBeUndefined();
    });

    it('set → get returns an equal entry, also to another instance; set overwrites', async () => {
      const { store, peer } = await setup();
      const k = key();
      await store.set(k, entry('first'), 60_000);
      expect(await store.get(k)).toEqual(entry('first'));
      expect(await peer.get(k)).toEqual(entry('first'));
      await store.set(k, entry('second'), 60_000);
      expect(await store.get(k)).toEqual(entry('second'));
    });

    it('keys are independent', async () => {
      const { store } = await setup();
      const [a, b] = [key(), key()];
      await store.set(a, entry('a'), 60_000);
      expect(await store.get(b)).toBeUndefined();
    });

    it('delete removes the entry; deleting a missing key is fine', async () => {
      const { store, peer } = await setup();
      const k = key();
      await store.set(k, entry(), 60_000);
      await peer.delete(k);
      expect(await store.get(k)).toBeUndefined();
      await store.delete(key());
    });

    it('an entry expires after its ttl', async () => {
      const subject = await setup();
      const k = key();
      await subject.store.set(k, entry(), 5_000);
      await subject.expectTtl('token', k, 5_000);
    });

    it('acquire: one holder at a time across instances; release lets the next one in', async () => {
      const { store, peer } = await setup();
      const k = key();
      expect(await store.acquire(k, 10_000)).toBe(true);
      expect(await store.acquire(k, 10_000)).toBe(false);
      expect(await peer.acquire(k, 10_000)).toBe(false);
      expect(await store.acquire(key(), 10_000)).toBe(true);
      await store.release(k);
      expect(await peer.acquire(k, 10_000)).toBe(true);
      await peer.release(k);
    });

    it('a lock expires after its ttl', async () => {
      const subject = await setup();
      const k = key();
      expect(await subject.store.acquire(k, 7_000)).toBe(true);
      await subject.expectTtl('lock', k, 7_000);
      expect(await subject.peer.acquire(k, 7_000)).toBe(true);
    });

    // Memory stores lock per key within one process, so this applies only to stores with per-instance lock values.
    if (features.ownsLocks) {
      it('release after the lock expired and was taken by another instance leaves the new holder’s lock', async () => {
        const subject = await setup();
        const k = key();
        expect(await subject.store.acquire(k, 10_000)).toBe(true);
        await subject.expireLock(k);
        expect(await subject.peer.acquire(k, 10_000)).toBe(true);
        await subject.store.release(k);
        expect(await subject.store.acquire(k, 10_000)).toBe(false);
        await subject.peer.release(k);
        expect(await subject.store.acquire(k, 10_000)).toBe(true);
      });
    }

    it('releasing a lock that was never acquired is a no-op', async () => {
      const { store } = await setup();
      await store.release(key());
    });
  });
}
