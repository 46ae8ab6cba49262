/**
 * Calls to the tenant: `/console/api/*` (the console's own read endpoints) and `/api/v2/*` (the Management
 * API, for edits), both with the session's Bearer token when there is one. Every failure becomes a
 * {@link ConsoleHttpError} whose message is plain words a person can act on.
 */

/** A failed call, with the status and the Management API's `errorCode` when the tenant sent one. */
export class ConsoleHttpError extends Error {
  readonly status: number;
  readonly errorCode: string | undefined;

  constructor(message: string, status: number, errorCode?: string) {
    super(message);
    this.name = 'ConsoleHttpError';
    this.status = status;
    this.errorCode = errorCode;
  }
}

/** Auth0's Management API error body: `{ statusCode, error, message, errorCode }`. */
interface ManagementErrorBody {
  statusCode?: number;
  error?: string;
  message?: string;
  errorCode?: string;
  error_description?: string;
}

/** What a status means for someone using the console, before the tenant's own message. */
function plainStatus(status: number): string {
  if (status === 401) return 'The management token is missing, expired or not from this tenant.';
  if (status === 403) return 'The management token lacks a scope this needs.';
  if (status === 404) return 'It no longer exists (someone may have changed it meanwhile).';
  if (status === 409) return 'It already exists.';
  if (status === 429) return 'Too many requests: wait a moment and try again.';
  if (status >= 500) return 'The tenant failed to answer.';
  return 'The tenant refused the request.';
}

/** Turns a non-2xx response into a {@link ConsoleHttpError} with the tenant's message in it. */
export async function errorFrom(response: Response): Promise<ConsoleHttpError> {
  let body: ManagementErrorBody | undefined;
  try {
    body = (await response.json()) as ManagementErrorBody;
  } catch {
    body = undefined;
  }
  const detail = body?.message ?? body?.error_description;
  const message = detail ? `${plainStatus(response.status)} ${detail}` : plainStatus(response.status);
  return new ConsoleHttpError(message, response.status, body?.errorCode);
}

/** `fetch` against the tenant with the Bearer token; JSON in and out; throws {@link ConsoleHttpError}. */
export async function callTenant<T>(
  path: string,
  token: string | undefined,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      ...(init.signal ? { signal: init.signal } : {}),
      cache: 'no-store',
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ConsoleHttpError('The tenant cannot be reached: is it still running?', 0);
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A message for any thrown value, for the screen. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
