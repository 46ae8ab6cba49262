import { type CounterStore, MemoryCounters } from '../storage/counters.ts';
import { AllowedVerdicts } from './allowed-verdicts.ts';

/**
 * Brute-force protection for guessed secrets (login passwords, client secrets), after Auth0's defaults:
 * - per (identifier, IP): after `maxAttempts` failures (Auth0: 10) that pair is blocked for `blockMs`,
 *   even with the right secret; other IPs are unaffected;
 * - per IP, across identifiers: a token bucket of failed attempts (suspicious-IP throttling). An empty
 *   bucket refuses *new* identifiers only: an identifier that already succeeded from this IP (within
 *   `knownForMs`) keeps being let through, subject to its own per-pair count. Many people share one IP
 *   behind a NAT or a proxy, so failures for other accounts there must not lock out an owner whose
 *   login from that network is known to be good, while the guesser still cannot try fresh accounts.
 *   An identifier that never succeeded from this IP waits for the bucket to refill, as on Auth0.
 * Only failures count, so legitimate traffic is never slowed. The counts live in a {@link CounterStore}:
 * the storage's (shared by every tenant process on a Postgres database), or this process's memory.
 *
 * A check that allows is remembered for `cacheMs` (see {@link AllowedVerdicts}): a client asking for tokens
 * all day costs one counter read a second, not one per token (on Postgres, a round trip each). A failure
 * recorded in this process drops what was remembered before `recordFailure` returns; one recorded in another
 * process sharing the storage is announced to this one (Postgres NOTIFY) and, should the announcement be late
 * or lost, is seen after `cacheMs` at most.
 */
export interface ThrottleOptions {
  maxAttempts?: number;
  blockMs?: number;
  ipBurst?: number;
  ipRefillPerMs?: number;
  /** How long a success from an IP exempts that (identifier, IP) from the IP's throttling. Default 30 days. */
  knownForMs?: number;
  now?: () => number;
  /** Where the counts live; default this process's memory. */
  counters?: CounterStore;
  /** Names this throttle's keys, so that two throttles on one store (logins, client secrets) stay apart. */
  scope?: string;
  /**
   * How long an allowing check is remembered without reading the counters again, in ms: the most a failure
   * recorded by another process can go unseen here. Default 1 000; 0 reads on every check.
   */
  cacheMs?: number;
}

export type ThrottleVerdict =
  | { allowed: true }
  | { allowed: false; reason: 'blocked' | 'throttled'; retryAfterS: number };

interface PairState {
  failures: number;
  blockedUntil: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** How long a pair's failure count is kept without a new failure. */
const FAILURES_KEPT_MS = 86_400_000;

export class FailureThrottle {
  readonly #maxAttempts: number;
  readonly #blockMs: number;
  readonly #ipBurst: number;
  readonly #ipRefillPerMs: number;
  readonly #knownForMs: number;
  readonly #now: () => number;
  readonly #counters: CounterStore;
  readonly #scope: string;
  readonly #cacheMs: number;
  readonly #allowed = new AllowedVerdicts();

  constructor(options: ThrottleOptions = {}) {
    this.#maxAttempts = options.maxAttempts ?? 10;
    this.#blockMs = options.blockMs ?? 15 * 60_000;
    this.#ipBurst = options.ipBurst ?? 100;
    this.#ipRefillPerMs = options.ipRefillPerMs ?? 100 / 86_400_000;
    this.#knownForMs = options.knownForMs ?? 30 * 86_400_000;
    this.#now = options.now ?? Date.now;
    this.#counters = options.counters ?? new MemoryCounters();
    this.#scope = options.scope ?? 'throttle';
    this.#cacheMs = options.cacheMs ?? 1_000;
  }

  /**
   * True when an "allowed" verdict for the pair is still remembered: what {@link check} would answer without
   * reading the counters. Synchronous, for the client-credentials fast path (no promise per token); false
   * means only that {@link check} has to decide.
   */
  allowedFromMemory(identifier: string, ip: string): boolean {
    return this.#cacheMs > 0 && this.#allowed.has(this.#pairKey(identifier, ip), this.#now(), this.#counters.version());
  }

  async check(identifier: string, ip: string): Promise<ThrottleVerdict> {
    const now = this.#now();
    const readAt = this.#counters.version();
    if (this.#cacheMs > 0 && this.#allowed.has(this.#pairKey(identifier, ip), now, readAt)) return { allowed: true };
    const keys = this.#keys(identifier, ip);
    const found = await this.#counters.read<unknown>([keys.pair, keys.ip, keys.known], now);
    const pair = found.get(keys.pair) as PairState | undefined;
    if (pair && pair.blockedUntil > now) {
      return { allowed: false, reason: 'blocked', retryAfterS: Math.ceil((pair.blockedUntil - now) / 1000) };
    }
    const tokens = this.#refilled(found.get(keys.ip) as Bucket | undefined, now);
    if (tokens < 1 && !found.has(keys.known)) {
      return {
        allowed: false,
        reason: 'throttled',
        retryAfterS: Math.ceil((1 - tokens) / this.#ipRefillPerMs / 1000),
      };
    }
    if (this.#cacheMs > 0) {
      // Let through by the exemption alone: remembered no longer than the exemption lasts.
      const known = found.get(keys.known);
      const exemptUntil = tokens < 1 && typeof known === 'number' ? known + this.#knownForMs : Infinity;
      const until = Math.min(now + this.#cacheMs, exemptUntil);
      this.#allowed.remember(keys.pair, until, readAt, this.#counters.version());
    }
    return { allowed: true };
  }

  async recordFailure(identifier: string, ip: string): Promise<void> {
    const now = this.#now();
    const keys = this.#keys(identifier, ip);
    await this.#counters.update<PairState>(
      keys.pair,
      (pair = { failures: 0, blockedUntil: 0 }) =>
        pair.failures + 1 >= this.#maxAttempts
          ? { failures: 0, blockedUntil: now + this.#blockMs }
          : { failures: pair.failures + 1, blockedUntil: pair.blockedUntil },
      now,
      now + Math.max(this.#blockMs, FAILURES_KEPT_MS),
    );
    // Kept until the bucket would be full again: an absent bucket is a full one.
    await this.#counters.update<Bucket>(
      keys.ip,
      (bucket) => ({ tokens: this.#refilled(bucket, now) - 1, at: now }),
      now,
      now + Math.ceil((this.#ipBurst + 1) / this.#ipRefillPerMs),
    );
    // After both writes: a check that read before them cannot keep what it read, and every process drops
    // what it remembered (verdicts of other identifiers from this IP may have changed with the IP's bucket).
    await this.#counters.announce();
  }

  async recordSuccess(identifier: string, ip: string): Promise<void> {
    const now = this.#now();
    const keys = this.#keys(identifier, ip);
    await this.#counters.delete(keys.pair);
    await this.#counters.update(keys.known, () => now, now, now + this.#knownForMs);
  }

  #refilled(bucket: Bucket | undefined, now: number): number {
    if (bucket === undefined) return this.#ipBurst;
    return Math.min(this.#ipBurst, bucket.tokens + Math.max(0, now - bucket.at) * this.#ipRefillPerMs);
  }

  #pairKey(identifier: string, ip: string): string {
    return JSON.stringify([this.#scope, 'failures', identifier.toLowerCase(), ip]);
  }

  /** JSON arrays: no identifier can be crafted to collide with another key, and no NUL reaches storage. */
  #keys(identifier: string, ip: string) {
    const id = identifier.toLowerCase();
    return {
      pair: this.#pairKey(identifier, ip),
      ip: JSON.stringify([this.#scope, 'ip', ip]),
      known: JSON.stringify([this.#scope, 'known', id, ip]),
    };
  }
}
