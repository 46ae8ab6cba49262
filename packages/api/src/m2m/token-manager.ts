import { AuthmeshApiError } from '../errors.ts';
import { cacheKey, type NormalisedTarget } from './cache-key.ts';
import { type Emit, emitterFor } from './events.ts';
import { isUsable, refreshPoint, refreshRetryPoint } from './lifetime.ts';
import type { ResolvedM2MOptions } from './options.ts';
import { obtainShared } from './shared-token.ts';
import { isTokenEntry, type TokenEntry } from './store.ts';
import { toM2MError } from './token-errors.ts';
import { requestToken } from './token-request.ts';

/** Held tokens are swept for expired ones once there are this many (and then at twice the live count). */
const MIN_SWEEP_SIZE = 1_000;

/** A token in this process's memory, with the moment its background refresh is due. */
interface Held {
  entry: TokenEntry;
  refreshAt: number;
}

/** The cache of one client: memory first, then the store, then the token endpoint. */
export interface TokenManager {
  get(target: NormalisedTarget): Promise<TokenEntry>;
  /** Drops `rejected` (an API refused it) and returns a token that is not it. */
  renew(target: NormalisedTarget, rejected: string): Promise<TokenEntry>;
  invalidate(target: NormalisedTarget): Promise<void>;
  close(): Promise<void>;
}

/**
 * Single-flight per key: concurrent callers on a miss share one promise, and a background refresh is the
 * same promise, so a caller whose token expires during a refresh joins it instead of sending a second request.
 */
export function createTokenManager(options: ResolvedM2MOptions): TokenManager {
  const held = new Map<string, Held>();
  const inflight = new Map<string, Promise<TokenEntry>>();
  const controller = new AbortController();
  const { signal } = controller;
  // A lock outlives one complete token request (all attempts, all waits), so it never expires under a live winner.
  const lockTtlMs = options.retry.deadlineMs + options.timeoutMs;

  const keyOf = (target: NormalisedTarget) => cacheKey(options.tokenEndpoint, options.clientId, target);
  const emitFor = (target: NormalisedTarget) =>
    emitterFor(options.onEvent, { clientId: options.clientId, audience: target.audience, scope: target.scope });
  const closedError = (target: NormalisedTarget) =>
    toM2MError(
      { code: 'ERR_M2M_TOKEN_REQUEST_FAILED', what: 'the client was closed; create a new one', reason: 'closed' },
      { clientId: options.clientId, ...target, tokenEndpoint: options.tokenEndpoint, attempts: 1 },
    );

  // On-behalf-of keys are one per user token: without a sweep, every user ever served would stay in memory.
  let sweepAt = MIN_SWEEP_SIZE;
  function hold(key: string, value: Held): void {
    held.set(key, value);
    if (held.size < sweepAt) return;
    const now = options.now();
    for (const [k, h] of held) if (!isUsable(h.entry, now)) held.delete(k);
    // Doubling keeps the sweeps amortised O(1) per token, however many live tokens there are.
    sweepAt = Math.max(MIN_SWEEP_SIZE, held.size * 2);
  }

  function obtain(key: string, target: NormalisedTarget, emit: Emit, stale: string | undefined): Promise<TokenEntry> {
    const running = inflight.get(key);
    if (running) return running;
    const run = async (): Promise<TokenEntry> => {
      try {
        const { entry, source } = await obtainShared(
          { store: options.store, key, lockTtlMs, now: options.now, sleep: options.sleep, signal, emit },
          stale,
          () => requestToken({ ...options, target, signal, emit }),
        );
        if (signal.aborted) throw closedError(target);
        hold(key, { entry, refreshAt: refreshPoint(entry, options.refreshAhead, options.random) });
        // Emitted once the token is in use, so an observer that sees it also sees the token served.
        if (source === 'store') emit({ type: 'token_cache_hit', source: 'store' });
        else emit({ type: 'token_received', expiresIn: Math.round((entry.expiresAt - entry.receivedAt) / 1000) });
        return entry;
      } catch (error) {
        throw signal.aborted ? closedError(target) : error;
      }
    };
    const promise: Promise<TokenEntry> = run().finally(() => {
      if (inflight.get(key) === promise) inflight.delete(key);
    });
    inflight.set(key, promise);
    return promise;
  }

  function refreshInBackground(key: string, target: NormalisedTarget, emit: Emit, current: Held, now: number): void {
    emit({ type: 'token_refresh_ahead', remainingMs: current.entry.expiresAt - now });
    obtain(key, target, emit, current.entry.accessToken).catch((error: unknown) => {
      // The current token stays in use until its hard expiry; try again later, not on every call.
      emit({
        type: 'token_refresh_failed',
        code: error instanceof AuthmeshApiError ? error.code : 'ERR_M2M_TOKEN_REQUEST_FAILED',
      });
      if (held.get(key) === current) current.refreshAt = refreshRetryPoint(current.entry, options.now());
    });
  }

  return {
    async get(target) {
      if (signal.aborted) throw closedError(target);
      const key = keyOf(target);
      const emit = emitFor(target);
      const current = held.get(key);
      const now = options.now();
      if (current && isUsable(current.entry, now)) {
        emit({ type: 'token_cache_hit', source: 'memory' });
        if (now >= current.refreshAt && !inflight.has(key)) refreshInBackground(key, target, emit, current, now);
        return current.entry;
      }
      return obtain(key, target, emit, current?.entry.accessToken);
    },

    async renew(target, rejected) {
      if (signal.aborted) throw closedError(target);
      const key = keyOf(target);
      const emit = emitFor(target);
      if (held.get(key)?.entry.accessToken === rejected) held.delete(key);
      // Only this token: another instance may already have stored its successor.
      try {
        const shared: unknown = await options.store.get(key);
        if (isTokenEntry(shared) && shared.accessToken === rejected) await options.store.delete(key);
      } catch {
        emit({ type: 'store_error', operation: 'delete' });
      }
      emit({ type: 'token_invalidated', reason: 'invalid_token' });
      const entry = await obtain(key, target, emit, rejected);
      // A request already in flight may have picked the rejected token up before we dropped it.
      return entry.accessToken === rejected ? obtain(key, target, emit, rejected) : entry;
    },

    async invalidate(target) {
      const key = keyOf(target);
      const emit = emitFor(target);
      held.delete(key);
      try {
        await options.store.delete(key);
      } catch {
        emit({ type: 'store_error', operation: 'delete' });
      }
      emit({ type: 'token_invalidated', reason: 'invalidate' });
    },

    async close() {
      controller.abort();
      await Promise.allSettled([...inflight.values()]);
      held.clear();
    },
  };
}
