/** A successful client_credentials answer after validation (RFC 6749 §5.1). */
export interface TokenResponse {
  accessToken: string;
  tokenType: 'Bearer';
  /** `undefined` when the tenant did not send `scope` (it then equals the requested scope). */
  scope: string | undefined;
  expiresInS: number;
}

/**
 * Validates a 2xx body. Returns the problem as text when it is not a usable token response; the text never
 * quotes the body, which may contain a token.
 */
export function parseTokenResponse(text: string): TokenResponse | { problem: string } {
  const body = parseJsonObject(text);
  if (!body) return { problem: 'the body is not a JSON object' };
  const { access_token, token_type, expires_in, scope } = body;
  if (typeof access_token !== 'string' || access_token === '') return { problem: 'access_token is missing' };
  if (typeof token_type !== 'string' || token_type.toLowerCase() !== 'bearer') {
    return {
      problem: `token_type must be Bearer, got ${typeof token_type === 'string' ? `"${printable(token_type)}"` : 'none'}`,
    };
  }
  // Without a lifetime the cache cannot know when to renew; refusing is safer than guessing.
  if (typeof expires_in !== 'number' || !Number.isInteger(expires_in) || expires_in <= 0) {
    return { problem: 'expires_in must be a positive integer (seconds)' };
  }
  if (scope !== undefined && typeof scope !== 'string') return { problem: 'scope must be a string' };
  return { accessToken: access_token, tokenType: 'Bearer', scope, expiresInS: expires_in };
}

/** `error` and `error_description` of an error answer, when it has them (RFC 6749 §5.2). */
export interface OAuthErrorBody {
  error: string | undefined;
  description: string | undefined;
}

/** Reads an error body leniently: proxies answer with HTML or nothing, and that must not hide the status. */
export function parseErrorBody(text: string): OAuthErrorBody {
  const body = parseJsonObject(text);
  return {
    error: typeof body?.error === 'string' ? printable(body.error).slice(0, 64) : undefined,
    description:
      typeof body?.error_description === 'string' ? printable(body.error_description).slice(0, 300) : undefined,
  };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Tenant text goes into error messages and logs: no control characters (log injection). */
function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}]/gu, ' ');
}
