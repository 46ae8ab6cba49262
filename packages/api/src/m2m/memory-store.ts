import type { TokenEntry, TokenStore } from './store.ts';
import type { Clock } from './types.ts';

/** Expired entries are swept once there are this many (and then at twice the live count). */
const MIN_SWEEP_SIZE = 1_000;

/** Options of {@link createMemoryTokenStore}. */
export interface MemoryTokenStoreOptions {
  /** Default `Date.now`; tests pass the same clock as the client. */
  clock?: Clock;
}

/**
 * A {@link TokenStore} in this process's memory: the default of every client. Pass one instance to several
 * clients to let them share tokens. Its locks are per key only, which is enough within one process.
 */
export function createMemoryTokenStore(options: MemoryTokenStoreOptions = {}): TokenStore {
  const clock = options.clock ?? { now: Date.now };
  const entries = new Map<string, { entry: TokenEntry; until: number }>();
  const locks = new Map<string, number>();
  let sweepAt = MIN_SWEEP_SIZE;

  return {
    get(key) {
      const found = entries.get(key);
      if (!found) return undefined;
      if (clock.now() >= found.until) {
        entries.delete(key);
        return undefined;
      }
      // A copy: callers must not be able to change what other callers read.
      return { ...found.entry };
    },
    set(key, entry, ttlMs) {
      const now = clock.now();
      entries.set(key, { entry: { ...entry }, until: now + ttlMs });
      // Entries are otherwise dropped only when read: one per user token (on-behalf-of) would pile up.
      if (entries.size >= sweepAt) {
        for (const [k, found] of entries) if (now >= found.until) entries.delete(k);
        sweepAt = Math.max(MIN_SWEEP_SIZE, entries.size * 2);
      }
    },
    delete(key) {
      entries.delete(key);
    },
    acquire(key, ttlMs) {
      const now = clock.now();
      const until = locks.get(key);
      if (until !== undefined && now < until) return false;
      locks.set(key, now + ttlMs);
      return true;
    },
    release(key) {
      locks.delete(key);
    },
  };
}
