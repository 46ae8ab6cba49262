import type { TriggerId } from '../config/types.ts';
import type { CacheRecord } from './protocol.ts';

/**
 * Auth0's `api.cache` limits ("Actions Limitations", cached data): at most 20 entries per trigger, 8 KB of
 * keys and values together, 24 hours; the key and value sizes are checked in the worker (actions/worker.ts).
 * https://auth0.com/docs/customize/actions/limitations
 */
const MAX_ENTRIES = 20;
const MAX_TOTAL_BYTES = 8 * 1024;
const MAX_TTL_MS = 24 * 3_600_000;
const DEFAULT_TTL_MS = 15 * 60_000;

/**
 * Auth0's `api.cache`, scoped to the trigger as Auth0 scopes it (the next action of the trigger sees what
 * one cached), kept in the tenant's memory: best-effort, as Auth0 documents its own.
 */
export class TriggerCaches {
  readonly #caches = new Map<TriggerId, Map<string, CacheRecord>>();

  /** The live entries of a trigger's cache, for a run to read. */
  snapshot(trigger: TriggerId): Record<string, CacheRecord> {
    return Object.fromEntries(this.#live(trigger));
  }

  /** Applies a recorded `cache.set` / `cache.delete`; a full cache drops the entries closest to expiry first. */
  apply(trigger: TriggerId, method: string, args: unknown[]): void {
    const cache = this.#live(trigger);
    const key = String(args[0]);
    cache.delete(key);
    if (method !== 'cache.set' || typeof args[1] !== 'string') return;
    const options = (args[2] ?? {}) as { ttl?: number; expires_at?: number };
    const now = Date.now();
    const wanted = options.expires_at ?? now + (options.ttl ?? DEFAULT_TTL_MS);
    cache.set(key, { value: args[1], expires_at: Math.min(wanted, now + MAX_TTL_MS) });
    const size = () => [...cache].reduce((n, [k, r]) => n + Buffer.byteLength(k) + Buffer.byteLength(r.value), 0);
    while (cache.size > MAX_ENTRIES || size() > MAX_TOTAL_BYTES) {
      const soonest = [...cache.entries()].sort((x, y) => x[1].expires_at - y[1].expires_at)[0];
      if (!soonest) break;
      cache.delete(soonest[0]);
    }
  }

  #live(trigger: TriggerId): Map<string, CacheRecord> {
    let cache = this.#caches.get(trigger);
    if (!cache) {
      cache = new Map();
      this.#caches.set(trigger, cache);
    }
    const now = Date.now();
    for (const [key, record] of cache) if (record.expires_at <= now) cache.delete(key);
    return cache;
  }
}
