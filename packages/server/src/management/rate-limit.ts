/*
 * Management API rate limiting: a token bucket per caller (see {@link rateLimitKey}), as Auth0 limits per
 * client. Every answer reports the bucket in Auth0's headers: `X-RateLimit-Limit` (the burst),
 * `X-RateLimit-Remaining` (requests left now) and `X-RateLimit-Reset` (UTC epoch seconds at which the
 * bucket is full again); a refused request also gets `Retry-After` (seconds until one request is allowed).
 * In memory and per process: a restart refills every bucket, acceptable for a local tenant.
 */
import type { Caller } from './types.ts';

/**
 * Whose bucket a request takes from:
 * - an M2M token: its client's, as Auth0 limits per client;
 * - a user's token (an SPA's self-service calls): that user's at that client, so that one user of a
 *   public app cannot use up the budget of all its other users;
 * - no valid token: the client IP's, so that guessing tokens is throttled too.
 * The key is a JSON array, so no client id or user id can be crafted to collide with another key.
 */
export function rateLimitKey(caller: Pick<Caller, 'id' | 'user'> | undefined, ip: string): string {
  if (caller === undefined) return JSON.stringify(['ip', ip]);
  if (caller.user === undefined) return JSON.stringify(['client', caller.id]);
  return JSON.stringify(['user', caller.id, caller.user]);
}

export interface RateLimitOptions {
  /** Requests allowed at once, on a full bucket. */
  burst: number;
  /** Requests regained per second. */
  refillPerSecond: number;
  now?: () => number;
}

/**
 * Generous for a local tenant, where one developer's test suite or a Deploy CLI import of a whole tenant
 * should rarely notice the limit (and SDKs back off on 429 anyway), yet a runaway loop is cut to 20
 * requests per second. Auth0's own tiers are lower (2 to 50 per second).
 */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 100, refillPerSecond: 20 };

export interface RateLimitVerdict {
  allowed: boolean;
  headers: Record<string, string>;
}

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_TRACKED = 10_000;

export class RateLimiter {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions = DEFAULT_RATE_LIMIT) {
    this.#burst = options.burst;
    this.#perMs = options.refillPerSecond / 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Takes one request from `key`'s bucket, if there is one left. */
  take(key: string): RateLimitVerdict {
    const now = this.#now();
    const previous = this.#buckets.get(key);
    const bucket = previous ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perMs);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    // Least recently used last: when an attacker sprays keys, the oldest buckets go first.
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > MAX_TRACKED) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    const fullInMs = (this.#burst - bucket.tokens) / this.#perMs;
    const headers: Record<string, string> = {
      'X-RateLimit-Limit': String(this.#burst),
      'X-RateLimit-Remaining': String(Math.floor(bucket.tokens)),
      'X-RateLimit-Reset': String(Math.ceil((now + fullInMs) / 1000)),
    };
    if (!allowed) headers['Retry-After'] = String(Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000)));
    return { allowed, headers };
  }
}
