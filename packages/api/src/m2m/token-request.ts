import type { NormalisedTarget } from './cache-key.ts';
import type { ClientAuthentication } from './client-auth.ts';
import type { Failure } from './failure.ts';
import { classifyNetworkError } from './network-errors.ts';
import { retryAfterMs } from './retry-after.ts';
import { type OAuthErrorBody, parseErrorBody, parseTokenResponse, type TokenResponse } from './token-response.ts';

/** A token answer is a few KB; anything far larger is not one, and must not be buffered without bound. */
const MAX_BODY_BYTES = 64 * 1024;

/** What one attempt needs. */
export interface AttemptContext {
  tokenEndpoint: string;
  clientId: string;
  target: NormalisedTarget;
  auth: ClientAuthentication;
  fetch: typeof fetch;
  now: () => number;
  retryConnectionRefused: boolean;
  /** Aborted when the client is closed. */
  signal: AbortSignal;
}

/** The result of one attempt: a token, or a failure that may be worth retrying. */
export type Attempt =
  | { ok: true; token: TokenResponse; sentAt: number }
  | { ok: false; retry: boolean; failure: Failure };

/**
 * Sends one client_credentials request (RFC 6749 §4.4) and classifies the answer. Credentials go in the form
 * body (client_secret_post, as node-auth0 does) or as a client assertion, never in the URL. Redirects are not
 * followed: a 307/308 would re-send the credentials to wherever it points.
 */
export async function attemptTokenRequest(context: AttemptContext, timeoutMs: number): Promise<Attempt> {
  const { target } = context;
  const sentAt = context.now();
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: context.clientId });
  for (const [name, value] of Object.entries(await context.auth.params(sentAt))) body.set(name, value);
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
    if (context.signal.aborted) {
      return fail(false, { code: 'ERR_M2M_TOKEN_REQUEST_FAILED', what: 'the client was closed', reason: 'closed' });
    }
    if (error instanceof BodyTooLarge) {
      return fail(false, {
        code: 'ERR_M2M_INVALID_RESPONSE',
        what: `the body exceeds ${MAX_BODY_BYTES} bytes`,
        reason: 'body',
      });
    }
    const { retry, reason } = classifyNetworkError(error, context.retryConnectionRefused);
    const what =
      reason === 'timeout' ? `no answer within ${timeoutMs} ms (timeoutMs)` : `${reason} (${errorMessage(error)})`;
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

function httpFailure(status: number, headers: Headers, body: OAuthErrorBody, context: AttemptContext): Attempt {
  const description = body.description === undefined ? undefined : context.auth.redact(body.description);
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

function fail(retry: boolean, failure: Failure): Attempt {
  return { ok: false, retry, failure };
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

/** The error's own message only: Node's network errors carry addresses and codes, never request data. */
function errorMessage(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown } } | undefined)?.cause;
  const message = typeof cause?.message === 'string' ? cause.message : (error as Error | undefined)?.message;
  return typeof message === 'string' ? message.slice(0, 200) : 'unknown error';
}
