import { createHash, randomUUID } from 'node:crypto';
import type { TokenStore } from './store.ts';

/**
 * The Redis commands the store uses, typed structurally so that no Redis library is a dependency. An ioredis
 * client fits as is. For node-redis v4, pass a small adapter:
 *
 * ```ts
 * const store = createRedisTokenStore({
 *   get: (key) => client.get(key),
 *   set: (key, value, _px, ms, nx?) => client.set(key, value, nx ? { PX: ms, NX: true } : { PX: ms }),
 *   del: (key) => client.del(key),
 *   eval: (script, numKeys, ...args) =>
 *     client.eval(script, { keys: args.slice(0, numKeys).map(String), arguments: args.slice(numKeys).map(String) }),
 * });
 * ```
 */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, px: 'PX', milliseconds: number): Promise<unknown>;
  /** SET … PX … NX: `'OK'` when set, `null` when the key exists. */
  set(key: string, value: string, px: 'PX', milliseconds: number, nx: 'NX'): Promise<unknown>;
  del(key: string): Promise<unknown>;
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/** Options of {@link createRedisTokenStore}. */
export interface RedisTokenStoreOptions {
  /** Prepended to every key; give each environment sharing one Redis its own. Default `authmesh:m2m:`. */
  prefix?: string;
}

/** Deletes the lock only if it still holds our value: after our TTL expired it may be someone else's. */
const RELEASE_SCRIPT =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * A {@link TokenStore} in Redis, shared by every instance of a service: they then mint one token per client,
 * audience and scope set per token lifetime. Entries are JSON with absolute `expiresAt` (epoch ms), expiring in
 * Redis with the token; locks are `SET NX PX` with a random value and are released by a compare-and-delete script.
 *
 * Keys are `<prefix>token:<sha256 of the cache key>` and `<prefix>lock:<…>`: bounded length, no URL characters.
 * Redis then holds bearer tokens: keep it private to the services that may use them.
 */
export function createRedisTokenStore(redis: RedisLike, options: RedisTokenStoreOptions = {}): TokenStore {
  const prefix = options.prefix ?? 'authmesh:m2m:';
  /** Values of the locks this instance holds, to release only our own. */
  const ours = new Map<string, string>();
  const hashed = (key: string) => createHash('sha256').update(key).digest('base64url');
  const tokenKey = (key: string) => `${prefix}token:${hashed(key)}`;
  const lockKey = (key: string) => `${prefix}lock:${hashed(key)}`;

  return {
    async get(key) {
      const raw = await redis.get(tokenKey(key));
      if (raw === null) return undefined;
      try {
        return JSON.parse(raw);
      } catch {
        // Not ours (or corrupt): a miss; the client validates the shape of whatever it gets.
        return undefined;
      }
    },
    async set(key, entry, ttlMs) {
      await redis.set(tokenKey(key), JSON.stringify(entry), 'PX', Math.max(1, Math.ceil(ttlMs)));
    },
    async delete(key) {
      await redis.del(tokenKey(key));
    },
    async acquire(key, ttlMs) {
      const value = randomUUID();
      const reply = await redis.set(lockKey(key), value, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
      if (reply !== 'OK') return false;
      ours.set(key, value);
      return true;
    },
    async release(key) {
      const value = ours.get(key);
      if (value === undefined) return;
      ours.delete(key);
      await redis.eval(RELEASE_SCRIPT, 1, lockKey(key), value);
    },
  };
}
