import { errors } from 'oidc-provider';

/**
 * Auth0 answers authorization failures at the token endpoint with 403 `access_denied` (not 400); the
 * engine's error handler takes the HTTP status from the error object, so the status is set here.
 */
export function accessDenied(description: string): Error {
  const error = new errors.AccessDenied(description);
  Object.assign(error, { status: 403, statusCode: 403 });
  return error;
}
