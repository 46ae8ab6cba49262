/**
 * `@authmesh/api/m2m`: machine-to-machine access tokens (client credentials) and on-behalf-of tokens (RFC 8693
 * token exchange of a user's access token), with caching, retries and an optional shared store.
 *
 * @module
 */
export { M2MError, OptionsError } from '../errors.ts';
export { createM2MClient } from './client.ts';
export type { M2MEvent, M2MEventBase } from './events.ts';
export { createMemoryTokenStore, type MemoryTokenStoreOptions } from './memory-store.ts';
export { createOnBehalfOfClient } from './on-behalf-of-client.ts';
export { createRedisTokenStore, type RedisLike, type RedisTokenStoreOptions } from './redis-store.ts';
export type { MaybePromise, TokenEntry, TokenStore } from './store.ts';
export type {
  Clock,
  M2MClient,
  M2MClientOptions,
  M2MToken,
  OnBehalfOfClient,
  OnBehalfOfClientOptions,
  OnBehalfOfToken,
  RefreshAheadOptions,
  RetryOptions,
  TokenTarget,
} from './types.ts';
