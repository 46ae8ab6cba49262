/** Entries kept at most; the oldest go first. Bounds what a caller spraying identifiers can make it hold. */
const MAX_ENTRIES = 10_000;

/**
 * The "allowed" verdicts a {@link FailureThrottle} read from its counters, remembered for a short while so
 * that a client or user with a clean record costs no storage read on every request.
 *
 * Only a recorded failure makes a verdict stricter (time only relaxes one, apart from an exemption that
 * expires, whose end the caller passes as `until`). Failures are announced on the counter store, which raises
 * its version: here at once, in the other processes sharing the store when the announcement arrives. An entry
 * is good only while the version is the one seen before the read that filled it, so a read that raced with a
 * failure recorded here is never kept, and a failure recorded here is enforced by the very next check. The
 * time bound covers what announcements cannot: one still on its way from another process, or lost with the
 * listening connection.
 *
 * @see FailureThrottle
 */
export class AllowedVerdicts {
  /** Key → until when (epoch ms) it stays allowed without a read; insertion order is age. */
  readonly #entries = new Map<string, number>();
  #version: number | undefined;

  /** True when `key` was allowed by a read still good at `now`, the counter store being at `version`. */
  has(key: string, now: number, version: number): boolean {
    this.#follow(version);
    const until = this.#entries.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#entries.delete(key);
    return false;
  }

  /**
   * Remembers that `key` is allowed until `until`, if the counter store is still at `readAt`, the version it
   * had before the read that gave the verdict; otherwise something was recorded meanwhile, and nothing is kept.
   */
  remember(key: string, until: number, readAt: number, version: number): void {
    this.#follow(version);
    if (version !== readAt) return;
    this.#entries.delete(key);
    this.#entries.set(key, until);
    if (this.#entries.size > MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /** A new version means a failure somewhere: every entry may be stale. */
  #follow(version: number): void {
    if (version === this.#version) return;
    this.#version = version;
    this.#entries.clear();
  }
}
