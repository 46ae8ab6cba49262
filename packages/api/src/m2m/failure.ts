import { type ApiErrorCode, M2MError } from '../errors.ts';

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
