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

/** How a thrown fetch error should be treated. */
export type NetworkFailure = { retry: boolean; reason: string };

/** Classifies an error thrown by fetch or by reading the body. */
export function classifyNetworkError(error: unknown, retryConnectionRefused: boolean): NetworkFailure {
  if (hasName(error, 'TimeoutError')) return { retry: true, reason: 'timeout' };
  const code = errorCode(error);
  if (code === 'ECONNREFUSED') return { retry: retryConnectionRefused, reason: code };
  if (code !== undefined) return { retry: TRANSIENT_CODES.has(code), reason: code };
  return { retry: false, reason: 'network error' };
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
