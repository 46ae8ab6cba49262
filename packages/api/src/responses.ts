import { BearerError } from './errors.ts';

/** An error as an adapter sends it: status, headers, JSON body. */
export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: Record<string, string>;
}

/**
 * The HTTP answer for an error thrown by `authenticate` or a guard. Anything that is not a `BearerError`
 * is not ours to render and is rethrown, so the framework's own error handling sees it.
 */
export function errorResponse(error: unknown, realm: string): ErrorResponse {
  if (!(error instanceof BearerError)) throw error;
  return {
    status: error.status,
    headers: { ...error.headers(realm), 'Cache-Control': 'no-store' },
    body: error.body(),
  };
}
