import type { TokenEntry, TokenStore } from './store.ts';
import type { Clock } from './types.ts';

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
      entries.set(key, { entry: { ...entry }, until: clock.now() + ttlMs });
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
