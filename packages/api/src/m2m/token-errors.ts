import { type ApiErrorCode, M2MError } from '../errors.ts';

/*
 * What can go wrong with a token request, from the first classification (a thrown network error, an HTTP
 * status) to the M2MError a caller sees. `token-request.ts` produces {@link Failure}s; the last one becomes
 * the error through {@link toM2MError}.
 */

/** The `ERR_M2M_*` codes. */
export type M2MErrorCode = Extract<ApiErrorCode, `ERR_M2M_${string}`>;

/** Why one token request attempt failed, before it becomes an {@link M2MError}. */
export interface Failure {
  code: M2MErrorCode;
  /** Human-readable, already safe to show: tenant text is sanitised and redacted. */
  what: string;
  /** Short label for `token_retry` events: `status 503`, `ECONNRESET`, `timeout`. */
  reason: string;
  status?: number;
  oauthError?: string;
  /** How long the tenant asked to wait (ms). */
  retryAfterMs?: number;
  cause?: unknown;
}

/** Who asked for what: every message names the client and the audience (never the secret or a token). */
export interface FailureContext {
  clientId: string;
  audience: string;
  scope: string;
  tokenEndpoint: string;
  attempts: number;
  /** Set when the client gave up early because the next wait would pass the deadline. */
  deadlineMs?: number;
}

/** The failure of a request cut short by `close()`. */
export const CLOSED: Failure = {
  code: 'ERR_M2M_TOKEN_REQUEST_FAILED',
  what: 'the client was closed',
  reason: 'closed',
};

/** Turns the last failure into the error callers see. */
export function toM2MError(failure: Failure, context: FailureContext): M2MError {
  const { clientId, audience, scope, tokenEndpoint } = context;
  const who = `client "${clientId}" (audience "${audience}"${scope ? `, scope "${scope}"` : ''})`;
  let tail = context.attempts > 1 ? ` after ${context.attempts} attempts` : '';
  if (context.deadlineMs !== undefined) {
    tail += `; gave up because waiting longer would pass retry.deadlineMs (${context.deadlineMs} ms)`;
  }
  const messages: Record<M2MErrorCode, string> = {
    ERR_M2M_INVALID_CLIENT:
      `The tenant refused the credentials of ${who}: ${failure.what}. Check clientId and the client secret or key ` +
      "against the application's settings in the tenant (not retried, so a wrong secret cannot lock the client out)",
    ERR_M2M_ACCESS_DENIED:
      `The tenant denied a token to ${who}: ${failure.what}. Authorize the client for this API with these scopes ` +
      '(a client grant) in the tenant, or request only granted scopes (not retried)',
    ERR_M2M_RATE_LIMITED: `The token request of ${who} was rate limited: ${failure.what}${tail}`,
    ERR_M2M_UNREACHABLE: `Cannot reach the token endpoint ${tokenEndpoint} for ${who}: ${failure.what}${tail}`,
    ERR_M2M_TOKEN_REQUEST_FAILED: `The token request of ${who} failed: ${failure.what}${tail}`,
    ERR_M2M_INVALID_RESPONSE: `The token endpoint ${tokenEndpoint} answered ${who} with an unusable response: ${failure.what}`,
  };
  const details = {
    clientId,
    audience,
    ...(failure.oauthError !== undefined ? { oauthError: failure.oauthError } : {}),
    ...(failure.status !== undefined ? { status: failure.status } : {}),
    ...(failure.retryAfterMs !== undefined ? { retryAfter: Math.ceil(failure.retryAfterMs / 1000) } : {}),
  };
  return new M2MError(
    failure.code,
    messages[failure.code],
    details,
    failure.cause === undefined ? undefined : { cause: failure.cause },
  );
}

/**
 * Connection failures that a retry can cure. Node's fetch (undici) throws `TypeError('fetch failed')` with the
 * socket error as `cause`; a custom fetch may throw the socket error itself.
 */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EAI_AGAIN', // temporary DNS failure
  'UND_ERR_SOCKET', // "other side closed"
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Classifies an error thrown by fetch or by reading the body: worth a retry or not, and a short label. */
export function classifyNetworkError(
  error: unknown,
  retryConnectionRefused: boolean,
): { retry: boolean; reason: string } {
  if (hasName(error, 'TimeoutError')) return { retry: true, reason: 'timeout' };
  const code = errorCode(error);
  if (code === 'ECONNREFUSED') return { retry: retryConnectionRefused, reason: code };
  if (code !== undefined) return { retry: TRANSIENT_CODES.has(code), reason: code };
  return { retry: false, reason: 'network error' };
}

/** The error's own message only: Node's network errors carry addresses and codes, never request data. */
export function networkErrorMessage(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown } } | undefined)?.cause;
  const message = typeof cause?.message === 'string' ? cause.message : (error as Error | undefined)?.message;
  return typeof message === 'string' ? message.slice(0, 200) : 'unknown error';
}

/** The first `code` along the cause chain, including the members of an AggregateError (happy eyeballs). */
function errorCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 5) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  const fromCause = errorCode(cause, depth + 1);
  if (fromCause) return fromCause;
  if (Array.isArray(errors)) {
    for (const member of errors) {
      const found = errorCode(member, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

function hasName(error: unknown, name: string, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const { name: own, cause } = error as { name?: unknown; cause?: unknown };
  return own === name || hasName(cause, name, depth + 1);
}
