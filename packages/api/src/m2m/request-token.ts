import type { M2MError } from '../errors.ts';
import type { Emit } from './events.ts';
import { type FailureContext, toM2MError } from './failure.ts';
import type { Retry } from './options.ts';
import { backoffMs } from './retry-after.ts';
import type { TokenEntry } from './store.ts';
import { type AttemptContext, attemptTokenRequest } from './token-request.ts';

/** What the retry loop needs beyond one attempt. */
export interface RequestContext extends AttemptContext {
  retry: Retry;
  timeoutMs: number;
  random: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  emit: Emit;
}

/**
 * Requests a token, retrying transient failures (MC-3): network errors, timeouts, 408, 429 and 5xx, with
 * full-jitter exponential backoff or the wait the tenant asked for, within `retry.deadlineMs`. Client errors
 * (400/401/403) are not retried (MC-4): repeating a wrong secret only gets the client locked out.
 *
 * @throws M2MError
 */
export async function requestToken(context: RequestContext): Promise<TokenEntry> {
  const { retry, now } = context;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    context.emit({ type: 'token_request', attempt });
    const left = retry.deadlineMs - (now() - started);
    const result = await attemptTokenRequest(context, Math.max(1, Math.min(context.timeoutMs, left)));
    if (result.ok) {
      const { token, sentAt } = result;
      // Lifetime counts from when the request was sent, not from the JWT's `exp` (MC-2): the local clock and the
      // tenant's may disagree, and counting from the send time can only err on the early side.
      return {
        accessToken: token.accessToken,
        tokenType: 'Bearer',
        scope: token.scope ?? context.target.scope,
        receivedAt: sentAt,
        expiresAt: sentAt + token.expiresInS * 1000,
      };
    }
    const { failure } = result;
    const errorContext = (extra: Partial<FailureContext> = {}): M2MError =>
      toM2MError(failure, {
        clientId: context.clientId,
        audience: context.target.audience,
        scope: context.target.scope,
        tokenEndpoint: context.tokenEndpoint,
        attempts: attempt,
        ...extra,
      });
    if (!result.retry || attempt > retry.maxRetries) throw errorContext();
    const delayMs = failure.retryAfterMs ?? backoffMs(attempt - 1, retry.baseDelayMs, retry.maxDelayMs, context.random);
    if (now() - started + delayMs >= retry.deadlineMs) {
      // The tenant's wait does not fit: fail now with `retryAfter` so the caller can schedule, instead of hanging.
      throw errorContext({ deadlineMs: retry.deadlineMs });
    }
    context.emit({ type: 'token_retry', attempt, delayMs, reason: failure.reason });
    try {
      await context.sleep(delayMs, context.signal);
    } catch {
      throw toM2MError(
        { code: 'ERR_M2M_TOKEN_REQUEST_FAILED', what: 'the client was closed', reason: 'closed' },
        {
          clientId: context.clientId,
          audience: context.target.audience,
          scope: context.target.scope,
          tokenEndpoint: context.tokenEndpoint,
          attempts: attempt,
        },
      );
    }
  }
}
