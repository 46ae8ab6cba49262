/**
 * Short-lived shared values for brute-force and rate-limit counting: the failures of a (user, IP) pair, an
 * IP's token bucket, a caller's Management API bucket. What one tenant process counts, every process sharing
 * the storage sees: a guesser spreading attempts over the processes behind a load balancer gains nothing.
 *
 * Times are the caller's clock (epoch ms), passed in: the store never reads a clock of its own, so a caller
 * with an injected clock (tests) and the store agree on what has expired.
 */
export interface CounterStore {
  /** The values of `keys` that exist and have not expired at `now`; absent keys are missing from the map. */
  read<T>(keys: readonly string[], now: number): Promise<Map<string, T>>;
  /**
   * Replaces `key`'s value with `change(current)` (`current` undefined when absent or expired at `now`), kept
   * until `expiresAt`, and returns it. Atomic: concurrent updates of one key, from any process, run one after
   * the other, each seeing the previous one's value. `change` is called exactly once and must not throw.
   */
  update<T>(key: string, change: (current: T | undefined) => T, now: number, expiresAt: number): Promise<T>;
  delete(key: string): Promise<void>;
  /**
   * Tells every reader of this store, in this process and in every other process sharing it, that what they
   * keep from {@link read} may be stale (a throttle recorded a failure). Raises {@link version} here before
   * it returns, and in the other processes as soon as the announcement reaches them.
   */
  announce(): Promise<void>;
  /**
   * A number that changes with every announcement made here or received from another process, and whenever
   * announcements may have been missed. A reader may keep what it read while the version is the one it saw
   * before reading; only for a short while, though: an announcement from another process takes a moment to
   * arrive, and may be lost with the database connection.
   */
  version(): number;
}

/** Keys kept at most by {@link MemoryCounters}; the least recently written go first. */
const MAX_TRACKED = 30_000;

/**
 * The counters of one process, in memory: what a backend only one process opens (SQLite) uses. Bounded, so
 * an attacker spraying identifiers costs memory only up to a cap; a restart forgets them.
 */
export class MemoryCounters implements CounterStore {
  readonly #values = new Map<string, { value: unknown; expiresAt: number }>();
  #version = 0;

  async read<T>(keys: readonly string[], now: number): Promise<Map<string, T>> {
    const found = new Map<string, T>();
    for (const key of keys) {
      const entry = this.#values.get(key);
      if (entry !== undefined && entry.expiresAt > now) found.set(key, entry.value as T);
    }
    return found;
  }

  async update<T>(key: string, change: (current: T | undefined) => T, now: number, expiresAt: number): Promise<T> {
    const entry = this.#values.get(key);
    const value = change(entry !== undefined && entry.expiresAt > now ? (entry.value as T) : undefined);
    this.#values.delete(key);
    this.#values.set(key, { value, expiresAt });
    if (this.#values.size > MAX_TRACKED) {
      const oldest = this.#values.keys().next().value;
      if (oldest !== undefined) this.#values.delete(oldest);
    }
    return value;
  }

  async delete(key: string): Promise<void> {
    this.#values.delete(key);
  }

  /** Only this process's readers share the store: raising the version tells them all. */
  async announce(): Promise<void> {
    this.#version += 1;
  }

  version(): number {
    return this.#version;
  }
}
