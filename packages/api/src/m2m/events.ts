import type { ApiErrorCode } from '../errors.ts';

/** Fields every event has. Deliberately no token, secret or assertion: events are meant for logs and metrics. */
export interface M2MEventBase {
  clientId: string;
  audience: string;
  /** The normalised requested scope (sorted, space-separated; `''` for none). */
  scope: string;
}

/** What the client reports through `onEvent`. */
export type M2MEvent = M2MEventBase &
  (
    | { type: 'token_cache_hit'; source: 'memory' | 'store' }
    | { type: 'token_request'; attempt: number }
    | { type: 'token_received'; expiresIn: number }
    | { type: 'token_retry'; attempt: number; delayMs: number; reason: string }
    | { type: 'token_refresh_ahead'; remainingMs: number }
    | { type: 'token_refresh_failed'; code: ApiErrorCode }
    | { type: 'token_store_wait' }
    | { type: 'token_invalidated'; reason: 'invalidate' | 'invalid_token' }
    | { type: 'store_error'; operation: 'get' | 'set' | 'delete' | 'acquire' | 'release' }
  );

/** Distributes `Omit` over the union so each event keeps its own fields. */
type WithoutBase<T> = T extends unknown ? Omit<T, keyof M2MEventBase> : never;

/** The event payload a component emits; the client adds the base fields. */
export type M2MEventDetails = WithoutBase<M2MEvent>;

/** Emits events for one target; a throwing hook must not break token handling. */
export type Emit = (details: M2MEventDetails) => void;

/** Binds the hook to one target. */
export function emitterFor(onEvent: ((event: M2MEvent) => void) | undefined, base: M2MEventBase): Emit {
  if (!onEvent) return () => {};
  return (details) => {
    try {
      onEvent({ ...base, ...details } as M2MEvent);
    } catch {
      // Observability must never change behaviour.
    }
  };
}
