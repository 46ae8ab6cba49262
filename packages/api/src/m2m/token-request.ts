import type { M2MError } from '../errors.ts';
import type { NormalisedTarget } from './cache-key.ts';
import type { ClientAuthentication } from './client-auth.ts';
import type { Emit } from './events.ts';
import type { Retry } from './options.ts';
import type { TokenEntry } from './store.ts';
import {
  CLOSED,
  classifyNetworkError,
  type Failure,
  type FailureContext,
  networkErrorMessage,
  toM2MError,
} from './token-errors.ts';
import { type OAuthErrorBody, parseErrorBody, parseTokenResponse, type TokenResponse } from './token-response.ts';

/*
 * One token fetch, top to bottom: {@link requestToken} runs the attempts and the waits between them; each
 * attempt ({@link attemptTokenRequest}) sends one client_credentials request and classifies the answer as a
 * token or a {@link Failure} worth retrying or not; the waits come from the tenant (`Retry-After`) or from
 * full-jitter backoff. Parsing the bodies is in `token-response.ts`, turning failures into errors in
 * `token-errors.ts`.
 */

/** RFC 8693 §2.1: the grant that exchanges a token for another. */
const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8693 §3: the subject is an OAuth access token. */
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

function grantOf(target: NormalisedTarget): string {
  return target.subject ? TOKEN_EXCHANGE_GRANT : 'client_credentials';
}

/** A token answer is a few KB; anything far larger is not one, and must not be buffered without bound. */
const MAX_BODY_BYTES = 64 * 1024;
/** A tenant may ask for long waits; more than a minute is treated as a minute (honoured, but capped). */
const MAX_RETRY_AFTER_MS = 60_000;

/** Everything one token fetch needs. */
export interface RequestContext {
  tokenEndpoint: string;
  clientId: string;
  target: NormalisedTarget;
  auth: ClientAuthentication;
  fetch: typeof fetch;
  now: () => number;
  random: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  retry: Retry;
  timeoutMs: number;
  emit: Emit;
  /** Aborted when the client is closed. */
  signal: AbortSignal;
}

/** The result of one attempt: a token, or a failure that may be worth retrying. */
type Attempt = { ok: true; token: TokenResponse; sentAt: number } | { ok: false; retry: boolean; failure: Failure };

/**
 * Requests a token, retrying transient failures: network errors, timeouts, 408, 429 and 5xx, with full-jitter
 * exponential backoff or the wait the tenant asked for, within `retry.deadlineMs`. Client errors (400/401/403)
 * are not retried: repeating a wrong secret only gets the client locked out.
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
      // Lifetime counts from when the request was sent, not from the JWT's `exp`: the local clock and the
      // tenant's may disagree, and counting from the send time can only err on the early side.
      return {
        accessToken: token.accessToken,
        tokenType: 'Bearer',
        scope: token.scope ?? context.target.scope,
        receivedAt: sentAt,
        expiresAt: cappedExpiry(sentAt, sentAt + token.expiresInS * 1000, context.target),
      };
    }
    const { failure } = result;
    const giveUp = (extra: Partial<FailureContext> = {}): M2MError =>
      toM2MError(failure, failureContext(context, attempt, extra));
    if (!result.retry || attempt > retry.maxRetries) throw giveUp();
    const delayMs = failure.retryAfterMs ?? backoffMs(attempt - 1, retry.baseDelayMs, retry.maxDelayMs, context.random);
    if (now() - started + delayMs >= retry.deadlineMs) {
      // The tenant's wait does not fit: fail now with `retryAfter` so the caller can schedule, instead of hanging.
      throw giveUp({ deadlineMs: retry.deadlineMs });
    }
    context.emit({ type: 'token_retry', attempt, delayMs, reason: failure.reason });
    try {
      await context.sleep(delayMs, context.signal);
    } catch {
      throw toM2MError(CLOSED, failureContext(context, attempt));
    }
  }
}

/**
 * An exchanged token is served until the EARLIER of its own expiry and the subject token's: once the user's token
 * has expired, the user's session must not live on in the downstream token. A subject that the tenant still
 * accepted but our clock already sees expired (skew) leaves the token one second, so the entry stays well-formed.
 */
function cappedExpiry(sentAt: number, expiresAt: number, target: NormalisedTarget): number {
  const subjectExpiry = target.subject?.expiresAt;
  if (subjectExpiry === undefined) return expiresAt;
  return Math.max(Math.min(expiresAt, subjectExpiry), sentAt + 1_000);
}

function failureContext(context: RequestContext, attempts: number, extra: Partial<FailureContext> = {}) {
  return {
    clientId: context.clientId,
    audience: context.target.audience,
    scope: context.target.scope,
    tokenEndpoint: context.tokenEndpoint,
    attempts,
    ...extra,
  };
}

/**
 * Sends one client_credentials request (RFC 6749 §4.4), or a token exchange (RFC 8693 §2.1) when the target has a
 * subject token, and classifies the answer. Credentials go in the form
 * body (client_secret_post, as node-auth0 does) or as a client assertion, never in the URL. Redirects are not
 * followed: a 307/308 would re-send the credentials to wherever it points.
 */
async function attemptTokenRequest(context: RequestContext, timeoutMs: number): Promise<Attempt> {
  const { target } = context;
  const sentAt = context.now();
  const body = new URLSearchParams({ grant_type: grantOf(target), client_id: context.clientId });
  for (const [name, value] of Object.entries(await context.auth.params(sentAt))) body.set(name, value);
  if (target.subject) {
    body.set('subject_token', target.subject.token);
    body.set('subject_token_type', ACCESS_TOKEN_TYPE);
  }
  body.set('audience', target.audience);
  if (target.scope) body.set('scope', target.scope);

  let status: number;
  let headers: Headers;
  let text: string;
  try {
    const response = await context.fetch(context.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      redirect: 'manual',
      signal: AbortSignal.any([context.signal, AbortSignal.timeout(timeoutMs)]),
    });
    status = response.status;
    headers = response.headers;
    text = await readBody(response);
  } catch (error) {
    if (context.signal.aborted) return fail(false, CLOSED);
    if (error instanceof BodyTooLarge) {
      return fail(false, {
        code: 'ERR_M2M_INVALID_RESPONSE',
        what: `the body exceeds ${MAX_BODY_BYTES} bytes`,
        reason: 'body',
      });
    }
    const { retry, reason } = classifyNetworkError(error, context.retry.retryConnectionRefused);
    const what =
      reason === 'timeout'
        ? `no answer within ${timeoutMs} ms (timeoutMs)`
        : `${reason} (${networkErrorMessage(error)})`;
    return fail(retry, { code: 'ERR_M2M_UNREACHABLE', what, reason, cause: error });
  }

  if (status >= 200 && status < 300) {
    const token = parseTokenResponse(text);
    if ('problem' in token)
      return fail(false, { code: 'ERR_M2M_INVALID_RESPONSE', what: token.problem, reason: 'response' });
    return { ok: true, token, sentAt };
  }
  if (status >= 300 && status < 400) {
    return fail(false, {
      code: 'ERR_M2M_INVALID_RESPONSE',
      what: `HTTP ${status} redirect, not followed (it would re-send the credentials); set tokenEndpoint to the final URL`,
      reason: `status ${status}`,
      status,
    });
  }
  return httpFailure(status, headers, parseErrorBody(text), context);
}

function httpFailure(status: number, headers: Headers, body: OAuthErrorBody, context: RequestContext): Attempt {
  const description = body.description === undefined ? undefined : redact(context, body.description);
  const what = `HTTP ${status}${body.error ? ` ${body.error}` : ''}${description ? `: "${description}"` : ''}`;
  const base = {
    what,
    reason: `status ${status}`,
    status,
    ...(body.error !== undefined ? { oauthError: body.error } : {}),
  };
  // Auth0 answers a wrong secret with 401 access_denied "Unauthorized"; RFC 6749 says invalid_client (400 or 401).
  if (status === 401 || body.error === 'invalid_client')
    return fail(false, { ...base, code: 'ERR_M2M_INVALID_CLIENT' });
  if (
    status === 403 ||
    body.error === 'access_denied' ||
    body.error === 'unauthorized_client' ||
    body.error === 'invalid_scope'
  ) {
    return fail(false, { ...base, code: 'ERR_M2M_ACCESS_DENIED' });
  }
  const wait = retryAfterMs(status, headers, context.now());
  const timed = wait === undefined ? base : { ...base, retryAfterMs: wait };
  if (status === 429) return fail(true, { ...timed, code: 'ERR_M2M_RATE_LIMITED' });
  if (status === 408 || status >= 500) return fail(true, { ...timed, code: 'ERR_M2M_TOKEN_REQUEST_FAILED' });
  // Other 4xx (invalid_request, unsupported_grant_type…) will not change on a retry.
  return fail(false, { ...base, code: 'ERR_M2M_TOKEN_REQUEST_FAILED' });
}

/** Tenant text goes into errors and logs: neither the secret nor the user's token may come back through it. */
function redact(context: RequestContext, text: string): string {
  const withoutSecret = context.auth.redact(text);
  const subject = context.target.subject?.token;
  return subject ? withoutSecret.split(subject).join('[redacted]') : withoutSecret;
}

function fail(retry: boolean, failure: Failure): Attempt {
  return { ok: false, retry, failure };
}

/**
 * How long the tenant asked us to wait, in ms, or `undefined` when it did not say. Reads `Retry-After` (delay
 * seconds or HTTP-date, RFC 9110 §10.2.3) and, for 429 only, Auth0's `X-RateLimit-Reset` (epoch seconds at which
 * the bucket refills; Auth0 sends it on every answer, so it means "wait" only on a 429).
 */
function retryAfterMs(status: number, headers: Headers, nowMs: number): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Math.min(Number(retryAfter) * 1000, MAX_RETRY_AFTER_MS);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return clampWait(date - nowMs);
  }
  const reset = headers.get('x-ratelimit-reset')?.trim();
  if (status === 429 && reset && /^\d+$/.test(reset)) return clampWait(Number(reset) * 1000 - nowMs);
  return undefined;
}

function clampWait(ms: number): number {
  return Math.min(Math.max(0, Math.ceil(ms)), MAX_RETRY_AFTER_MS);
}

/** Full-jitter exponential backoff (AWS architecture blog): random in [0, min(cap, base × 2^retry)). */
function backoffMs(retry: number, baseMs: number, capMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** retry));
}

class BodyTooLarge extends Error {}

async function readBody(response: Response): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    // Leaving the loop by throwing cancels the stream, which frees the connection.
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
