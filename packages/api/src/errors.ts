/**
 * Every error `@authmesh/api` throws on purpose is an `AuthmeshApiError` with a stable string `code`.
 * Tests and callers switch on `code`; `message` is for people.
 *
 * Errors that a protected route answers with (RFC 6750) know their HTTP form: `status` and the
 * `WWW-Authenticate` header come from ONE table below (`BEARER_ERRORS`); framework adapters only render it.
 */
export type ApiErrorCode =
  // configuration, thrown at construction
  | 'ERR_OPTIONS_INVALID'
  // bearer-token verification and authorization, answered to the caller (RFC 6750)
  | 'ERR_TOKEN_MISSING'
  | 'ERR_REQUEST_INVALID'
  | 'ERR_TOKEN_INVALID'
  | 'ERR_INSUFFICIENT_SCOPE'
  | 'ERR_CLAIM_CHECK_FAILED'
  | 'ERR_KEYS_UNAVAILABLE'
  // machine-to-machine client
  | 'ERR_M2M_INVALID_CLIENT'
  | 'ERR_M2M_ACCESS_DENIED'
  | 'ERR_M2M_TOKEN_REQUEST_FAILED'
  | 'ERR_M2M_RATE_LIMITED'
  | 'ERR_M2M_UNREACHABLE'
  | 'ERR_M2M_INVALID_RESPONSE';

export class AuthmeshApiError extends Error {
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AuthmeshApiError';
    this.code = code;
  }
}

/** Thrown when options are invalid: the message names the option and the fix. */
export class OptionsError extends AuthmeshApiError {
  constructor(message: string) {
    super('ERR_OPTIONS_INVALID', message);
    this.name = 'OptionsError';
  }
}

/** Why a token was refused; stable, for logs and metrics (never shown verbatim from attacker input). */
export type InvalidTokenReason =
  | 'malformed'
  | 'too_large'
  | 'unsupported_format'
  | 'algorithm'
  | 'header'
  | 'type'
  | 'key_unknown'
  | 'signature'
  | 'issuer'
  | 'audience'
  | 'expired'
  | 'not_yet_valid'
  | 'claims';

type BearerCode =
  | 'ERR_TOKEN_MISSING'
  | 'ERR_REQUEST_INVALID'
  | 'ERR_TOKEN_INVALID'
  | 'ERR_INSUFFICIENT_SCOPE'
  | 'ERR_CLAIM_CHECK_FAILED'
  | 'ERR_KEYS_UNAVAILABLE';

/** The one code → HTTP table (RFC 6750 §3.1). `oauthError` is the `error` attribute; absent for "no token". */
export const BEARER_ERRORS: Readonly<Record<BearerCode, { status: number; oauthError?: string }>> = {
  ERR_TOKEN_MISSING: { status: 401 },
  ERR_REQUEST_INVALID: { status: 400, oauthError: 'invalid_request' },
  ERR_TOKEN_INVALID: { status: 401, oauthError: 'invalid_token' },
  ERR_INSUFFICIENT_SCOPE: { status: 403, oauthError: 'insufficient_scope' },
  ERR_CLAIM_CHECK_FAILED: { status: 403, oauthError: 'insufficient_scope' },
  // The tenant is unreachable and no usable key is cached: a server-side condition, never the caller's fault.
  ERR_KEYS_UNAVAILABLE: { status: 503 },
};

export interface BearerErrorDetails {
  /** For `ERR_TOKEN_INVALID`. */
  reason?: InvalidTokenReason;
  /** For `ERR_INSUFFICIENT_SCOPE`: the scopes the route needs (space-joined into `scope="…"`). */
  requiredScopes?: readonly string[];
  /** For `ERR_KEYS_UNAVAILABLE`: seconds. */
  retryAfter?: number;
}

/**
 * An error a protected route answers with. `description` must never contain attacker-controlled text:
 * it is written into a header.
 */
export class BearerError extends AuthmeshApiError {
  declare readonly code: BearerCode;
  readonly status: number;
  readonly description: string;
  readonly reason: InvalidTokenReason | undefined;
  readonly requiredScopes: readonly string[] | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: BearerCode, description: string, details: BearerErrorDetails = {}, options?: ErrorOptions) {
    super(code, description, options);
    this.name = 'BearerError';
    this.status = BEARER_ERRORS[code].status;
    this.description = description;
    this.reason = details.reason;
    this.requiredScopes = details.requiredScopes;
    this.retryAfter = details.retryAfter;
  }

  /** `WWW-Authenticate` (and `Retry-After`) for this error, for a given realm. */
  headers(realm: string): Record<string, string> {
    const { oauthError } = BEARER_ERRORS[this.code];
    const params = [`realm="${sanitize(realm)}"`];
    if (oauthError) {
      params.push(`error="${oauthError}"`, `error_description="${sanitize(this.description)}"`);
      if (this.requiredScopes && this.requiredScopes.length > 0) {
        params.push(`scope="${sanitize(this.requiredScopes.join(' '))}"`);
      }
    }
    const headers: Record<string, string> = { 'WWW-Authenticate': `Bearer ${params.join(', ')}` };
    if (this.retryAfter !== undefined) headers['Retry-After'] = String(this.retryAfter);
    return headers;
  }

  /** A JSON body for the response: `{error, error_description}` (no body field for "no token"). */
  body(): Record<string, string> {
    const { oauthError } = BEARER_ERRORS[this.code];
    if (this.code === 'ERR_KEYS_UNAVAILABLE') {
      return { error: 'temporarily_unavailable', error_description: this.description };
    }
    return oauthError ? { error: oauthError, error_description: this.description } : {};
  }
}

/** RFC 6750 §3: error_description and scope use %x20-21 / %x23-5B / %x5D-7E only (no `"`, `\`, CR/LF). */
function sanitize(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '').slice(0, 256);
}

/** An error of the M2M client: which client and audience, and what the tenant said. */
export class M2MError extends AuthmeshApiError {
  readonly clientId: string;
  readonly audience: string;
  /** The OAuth `error` from the tenant, when it sent one. */
  readonly oauthError: string | undefined;
  readonly status: number | undefined;
  /** Seconds, when the tenant asked to wait (429). */
  readonly retryAfter: number | undefined;

  constructor(
    code: Extract<ApiErrorCode, `ERR_M2M_${string}`>,
    message: string,
    details: { clientId: string; audience: string; oauthError?: string; status?: number; retryAfter?: number },
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.name = 'M2MError';
    this.clientId = details.clientId;
    this.audience = details.audience;
    this.oauthError = details.oauthError;
    this.status = details.status;
    this.retryAfter = details.retryAfter;
  }
}
