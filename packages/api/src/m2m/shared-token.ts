import type { Emit } from './events.ts';
import { hardExpiry, isUsable } from './lifetime.ts';
import { isTokenEntry, type MaybePromise, type TokenEntry, type TokenStore } from './store.ts';

/** Polling of an instance waiting for another one's token: fast at first, then at most twice a second. */
const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 500;

/** What the protocol needs. */
export interface SharedContext {
  store: TokenStore;
  key: string;
  /** How long a lock may be held: longer than one whole token request with its retries. */
  lockTtlMs: number;
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  signal: AbortSignal;
  emit: Emit;
}

/** Where a token came from. */
export interface Obtained {
  entry: TokenEntry;
  source: 'store' | 'minted';
}

/**
 * Gets a token through the store so that instances sharing it mint one token per key and lifetime:
 * 1. a usable entry in the store (other than `stale`, the token being replaced) is used as is;
 * 2. otherwise the instance that takes the lock (SET NX PX) mints the token, stores it, and releases the lock;
 * 3. the others poll the store until the token appears, or take the lock if its holder gave up (failed or crashed),
 *    bounded by the lock's TTL; after that they mint without the lock rather than fail.
 * A failing store never fails a token request: it only costs the coordination (a `store_error` event).
 */
export async function obtainShared(
  context: SharedContext,
  stale: string | undefined,
  mint: () => Promise<TokenEntry>,
): Promise<Obtained> {
  const { store, key, emit } = context;
  const safely = async <T>(
    operation: 'get' | 'set' | 'delete' | 'acquire' | 'release',
    fallback: T,
    run: () => MaybePromise<T>,
  ): Promise<T> => {
    try {
      return await run();
    } catch {
      emit({ type: 'store_error', operation });
      return fallback;
    }
  };
  const fromStore = async (): Promise<TokenEntry | undefined> => {
    const entry: unknown = await safely('get', undefined, () => store.get(key));
    return isTokenEntry(entry) && entry.accessToken !== stale && isUsable(entry, context.now()) ? entry : undefined;
  };
  const mintAndStore = async (): Promise<Obtained> => {
    const entry = await mint();
    // The store keeps it as long as it is served, so an entry read from the store is always worth using.
    const ttlMs = Math.floor(hardExpiry(entry) - context.now());
    if (ttlMs > 0) await safely('set', undefined, () => store.set(key, entry, ttlMs));
    return { entry, source: 'minted' };
  };
  const mintHoldingLock = async (): Promise<Obtained> => {
    try {
      // Someone may have stored a token between our read and our lock.
      const entry = await fromStore();
      return entry ? { entry, source: 'store' } : await mintAndStore();
    } finally {
      await safely('release', undefined, () => store.release(key));
    }
  };

  const cached = await fromStore();
  if (cached) return { entry: cached, source: 'store' };
  // `undefined` = the store failed: mint without coordination rather than wait for nothing.
  let acquired = await safely('acquire', undefined, () => store.acquire(key, context.lockTtlMs));
  if (acquired === undefined) return mintAndStore();
  if (acquired) return mintHoldingLock();

  emit({ type: 'token_store_wait' });
  let waited = 0;
  for (let poll = FIRST_POLL_MS; waited < context.lockTtlMs; poll = Math.min(poll * 2, MAX_POLL_MS)) {
    await context.sleep(poll, context.signal);
    waited += poll;
    const entry = await fromStore();
    if (entry) return { entry, source: 'store' };
    acquired = await safely('acquire', undefined, () => store.acquire(key, context.lockTtlMs));
    if (acquired === undefined) break;
    if (acquired) return mintHoldingLock();
  }
  return mintAndStore();
}
