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
 * Only failures count, so legitimate traffic is never slowed. In memory: a restart clears it, which is
 * acceptable for a single-process local tenant.
 */
export interface ThrottleOptions {
  maxAttempts?: number;
  blockMs?: number;
  ipBurst?: number;
  ipRefillPerMs?: number;
  /** How long a success from an IP exempts that (identifier, IP) from the IP's throttling. Default 30 days. */
  knownForMs?: number;
  now?: () => number;
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

const MAX_TRACKED = 10_000;

export class FailureThrottle {
  readonly #maxAttempts: number;
  readonly #blockMs: number;
  readonly #ipBurst: number;
  readonly #ipRefillPerMs: number;
  readonly #knownForMs: number;
  readonly #now: () => number;
  readonly #pairs = new Map<string, PairState>();
  readonly #ips = new Map<string, Bucket>();
  /** (identifier, IP) pairs that succeeded, with the time they did. */
  readonly #known = new Map<string, number>();

  constructor(options: ThrottleOptions = {}) {
    this.#maxAttempts = options.maxAttempts ?? 10;
    this.#blockMs = options.blockMs ?? 15 * 60_000;
    this.#ipBurst = options.ipBurst ?? 100;
    this.#ipRefillPerMs = options.ipRefillPerMs ?? 100 / 86_400_000;
    this.#knownForMs = options.knownForMs ?? 30 * 86_400_000;
    this.#now = options.now ?? Date.now;
  }

  check(identifier: string, ip: string): ThrottleVerdict {
    const now = this.#now();
    const key = pairKey(identifier, ip);
    const pair = this.#pairs.get(key);
    if (pair && pair.blockedUntil > now) {
      return { allowed: false, reason: 'blocked', retryAfterS: Math.ceil((pair.blockedUntil - now) / 1000) };
    }
    const bucket = this.#refill(ip, now);
    if (bucket.tokens < 1 && !this.#isKnown(key, now)) {
      return {
        allowed: false,
        reason: 'throttled',
        retryAfterS: Math.ceil((1 - bucket.tokens) / this.#ipRefillPerMs / 1000),
      };
    }
    return { allowed: true };
  }

  recordFailure(identifier: string, ip: string): void {
    const now = this.#now();
    const key = pairKey(identifier, ip);
    const pair = this.#pairs.get(key) ?? { failures: 0, blockedUntil: 0 };
    pair.failures += 1;
    if (pair.failures >= this.#maxAttempts) {
      pair.blockedUntil = now + this.#blockMs;
      pair.failures = 0;
    }
    this.#remember(this.#pairs, key, pair);
    const bucket = this.#refill(ip, now);
    bucket.tokens -= 1;
  }

  recordSuccess(identifier: string, ip: string): void {
    const key = pairKey(identifier, ip);
    this.#pairs.delete(key);
    this.#remember(this.#known, key, this.#now());
  }

  #isKnown(key: string, now: number): boolean {
    const at = this.#known.get(key);
    return at !== undefined && now - at < this.#knownForMs;
  }

  #refill(ip: string, now: number): Bucket {
    const bucket = this.#ips.get(ip) ?? { tokens: this.#ipBurst, at: now };
    bucket.tokens = Math.min(this.#ipBurst, bucket.tokens + (now - bucket.at) * this.#ipRefillPerMs);
    bucket.at = now;
    this.#remember(this.#ips, ip, bucket);
    return bucket;
  }

  /** Bounded memory: the oldest entries go first when an attacker sprays identifiers. */
  #remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > MAX_TRACKED) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }
}

const pairKey = (identifier: string, ip: string) => `${identifier.toLowerCase()}\u0000${ip}`;
