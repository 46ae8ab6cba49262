/*
 * Management API rate limiting: a token bucket per caller (see {@link rateLimitKey}), as Auth0 limits per
 * client. Every answer reports the bucket in Auth0's headers: `X-RateLimit-Limit` (the burst),
 * `X-RateLimit-Remaining` (requests left now) and `X-RateLimit-Reset` (UTC epoch seconds at which the
 * bucket is full again); a refused request also gets `Retry-After` (seconds until one request is allowed).
 * The buckets live in a {@link CounterStore}: the storage's (one bucket per caller across every tenant
 * process on a Postgres database), or this process's memory.
 */
import { type CounterStore, MemoryCounters } from '../storage/counters.ts';
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
  /** Whether the request that wrote this bucket was let through. */
  allowed: boolean;
}

export class RateLimiter {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #now: () => number;
  readonly #counters: CounterStore;

  /** `counters`: where the buckets live; default this process's memory. */
  constructor(options: RateLimitOptions = DEFAULT_RATE_LIMIT, counters: CounterStore = new MemoryCounters()) {
    this.#burst = options.burst;
    this.#perMs = options.refillPerSecond / 1000;
    this.#now = options.now ?? Date.now;
    this.#counters = counters;
  }

  /** Takes one request from `key`'s bucket, if there is one left. */
  async take(key: string): Promise<RateLimitVerdict> {
    const now = this.#now();
    // Kept until it would be full again; another process's clock may be a little behind (max 0) (an absent bucket is a full one).
    const bucket = await this.#counters.update<Bucket>(
      JSON.stringify(['rate-limit', key]),
      (previous) => {
        const tokens = previous
          ? Math.min(this.#burst, previous.tokens + Math.max(0, now - previous.at) * this.#perMs)
          : this.#burst;
        return tokens >= 1 ? { tokens: tokens - 1, at: now, allowed: true } : { tokens, at: now, allowed: false };
      },
      now,
      now + Math.ceil((this.#burst + 1) / this.#perMs),
    );
    const allowed = bucket.allowed;
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
