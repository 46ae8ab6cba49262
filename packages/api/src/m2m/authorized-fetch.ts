/** Where `authorizedFetch` gets its tokens. */
export interface BearerSource {
  token(): Promise<string>;
  /** A token other than `rejected`, which the API refused. */
  renew(rejected: string): Promise<string>;
}

/**
 * Calls an API with `Authorization: Bearer <token>`. On 401 with `error="invalid_token"` (the API no longer
 * accepts the token: revoked, signing key rotated, clock trouble) the token is renewed and the request sent once
 * more; never more than once, so a misconfigured API cannot cause a loop. A body that can be read only
 * once (a stream, or a `Request` that has a body) makes the request non-replayable: its 401 is returned as is.
 */
export async function authorizedFetch(
  fetchImpl: typeof fetch,
  tokens: BearerSource,
  input: string | URL | Request,
  init: RequestInit | undefined,
): Promise<Response> {
  const first = await tokens.token();
  const response = await fetchImpl(input, withBearer(input, init, first));
  if (response.status !== 401 || !isInvalidToken(response.headers) || !isReplayable(input, init)) return response;
  // Free the connection: the body of the refused answer is not needed.
  await response.body?.cancel().catch(() => {});
  const second = await tokens.renew(first);
  return fetchImpl(input, withBearer(input, init, second));
}

function withBearer(input: string | URL | Request, init: RequestInit | undefined, token: string): RequestInit {
  // `fetch(request, { headers })` replaces the request's headers, so start from them.
  const headers = new Headers(input instanceof Request ? input.headers : undefined);
  new Headers(init?.headers).forEach((value, name) => {
    headers.set(name, value);
  });
  headers.set('authorization', `Bearer ${token}`);
  return { ...init, headers };
}

/** RFC 6750 §3: `Bearer realm="…", error="invalid_token", …`. */
function isInvalidToken(headers: Headers): boolean {
  return /\berror\s*=\s*"?invalid_token\b/i.test(headers.get('www-authenticate') ?? '');
}

function isReplayable(input: string | URL | Request, init: RequestInit | undefined): boolean {
  const body: unknown = init?.body;
  if (body !== undefined && body !== null) {
    return !(body instanceof ReadableStream || (typeof body === 'object' && Symbol.asyncIterator in body));
  }
  return !(input instanceof Request && input.body !== null);
}
