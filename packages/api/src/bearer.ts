import { BearerError } from './errors.ts';

/** RFC 6750 §2.1 b64token, case-insensitive scheme, one or more spaces. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** What the verifier reads from a request: its headers and, to detect a second credential, its URL. */
export interface RequestLike {
  headers: Headers | Record<string, string | string[] | undefined>;
  url?: string;
}

/**
 * The bearer token of a request, from the `Authorization` header only (RFC 9700 §4.3.2: a resource
 * server must not accept tokens in the query). A token in the query is ignored on its own, but a request
 * that carries one beside the header is ambiguous and refused (RFC 6750 §2: one method per request).
 */
export function extractBearer(request: RequestLike): string {
  const header = readHeader(request.headers, 'authorization');
  const inQuery = request.url !== undefined && hasQueryToken(request.url);
  if (header === undefined || header === '') {
    throw new BearerError('ERR_TOKEN_MISSING', 'Authentication required');
  }
  if (!/^bearer(\s|$)/i.test(header)) {
    // Another scheme (Basic, DPoP...) carries no bearer credentials: RFC 6750 §3.1 says no error code.
    throw new BearerError('ERR_TOKEN_MISSING', 'Authentication required');
  }
  const match = BEARER.exec(header);
  if (!match?.[1]) throw new BearerError('ERR_REQUEST_INVALID', 'The Authorization header is malformed');
  if (inQuery) throw new BearerError('ERR_REQUEST_INVALID', 'More than one method was used to send the token');
  return match[1];
}

function readHeader(headers: RequestLike['headers'], name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  if (Array.isArray(value)) return value.length === 1 ? value[0] : value.join(', ');
  return value;
}

function hasQueryToken(url: string): boolean {
  const q = url.indexOf('?');
  if (q === -1) return false;
  return new URLSearchParams(url.slice(q + 1)).has('access_token');
}
