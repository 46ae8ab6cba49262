import { AuthmeshError } from '../errors.ts';

/**
 * Seconds a client is asked to wait (`Retry-After`) when storage cannot answer: about what a database
 * restart or a fail-over takes, and short enough that SDKs retrying once are served soon after.
 */
export const STORAGE_RETRY_AFTER_S = 2;

/**
 * True for a failure of the storage backend itself (database unreachable, restarting, a statement over its
 * time bound): `AuthmeshError` `ERR_STORAGE`, the driver's error as `cause`. Such a request may succeed when
 * retried, so the tenant answers 503 with `Retry-After` instead of a 500. A unique-key clash
 * (`ERR_STORAGE_CONFLICT`) is the caller's, not the backend's, and is not one.
 */
export function isStorageFailure(error: unknown): error is AuthmeshError {
  return error instanceof AuthmeshError && error.code === 'ERR_STORAGE';
}
