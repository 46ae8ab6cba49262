/** A value or a promise of it: in-memory stores answer synchronously, networked ones asynchronously. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * A cached token as stored. JSON-serialisable; times are absolute epoch milliseconds (wall clock) because a shared
 * store is read by other processes. The processes' clocks are assumed to agree within a few seconds (NTP); the
 * 5-second expiry margin absorbs that.
 */
export interface TokenEntry {
  accessToken: string;
  tokenType: 'Bearer';
  scope: string;
  /** When the token was requested: with `expiresAt` it gives the lifetime, which sizes the refresh-ahead window. */
  receivedAt: number;
  expiresAt: number;
}

/**
 * Where tokens are cached beyond one client's memory, and a lock so that instances sharing the store request a
 * token one at a time. Keys are opaque strings made by the client.
 *
 * Anything that can read the store can read the tokens: treat it like the secret (a private Redis, not a shared
 * cache reachable by other tenants).
 */
export interface TokenStore {
  get(key: string): MaybePromise<TokenEntry | undefined>;
  /** Stores `entry`; the store may drop it after `ttlMs`. */
  set(key: string, entry: TokenEntry, ttlMs: number): MaybePromise<void>;
  delete(key: string): MaybePromise<void>;
  /** Takes the lock of `key` for at most `ttlMs`; `false` when someone else holds it. */
  acquire(key: string, ttlMs: number): MaybePromise<boolean>;
  /** Gives back a lock this store instance acquired; must not remove a lock someone else took after ours expired. */
  release(key: string): MaybePromise<void>;
}

/** Checks an entry that came from a store (which may hold anything: old formats, another program's data). */
export function isTokenEntry(value: unknown): value is TokenEntry {
  if (!value || typeof value !== 'object') return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.accessToken === 'string' &&
    entry.accessToken.length > 0 &&
    entry.tokenType === 'Bearer' &&
    typeof entry.scope === 'string' &&
    Number.isFinite(entry.receivedAt) &&
    Number.isFinite(entry.expiresAt) &&
    (entry.expiresAt as number) > (entry.receivedAt as number)
  );
}
