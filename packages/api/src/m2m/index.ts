/**
 * `@authmesh/api/m2m`: machine-to-machine access tokens (client credentials) with caching, refresh-ahead,
 * retries and an optional shared store.
 *
 * @module
 */
export { M2MError, OptionsError } from '../errors.ts';
export { createM2MClient } from './client.ts';
export type { M2MEvent, M2MEventBase } from './events.ts';
export { createMemoryTokenStore, type MemoryTokenStoreOptions } from './memory-store.ts';
export { createRedisTokenStore, type RedisLike, type RedisTokenStoreOptions } from './redis-store.ts';
export type { MaybePromise, TokenEntry, TokenStore } from './store.ts';
export type {
  Clock,
  M2MClient,
  M2MClientOptions,
  M2MToken,
  RefreshAheadOptions,
  RetryOptions,
  TokenTarget,
} from './types.ts';
