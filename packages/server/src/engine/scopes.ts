/**
 * OpenID Connect's scopes (Core §5.4 and §11): they name user claims or offline access, never an API's
 * permission. Auth0 repeats them inside a user access token's `scope` and never asks consent for them.
 */
export const OIDC_SCOPES: ReadonlySet<string> = new Set([
  'openid',
  'profile',
  'email',
  'address',
  'phone',
  'offline_access',
]);

/** A space-separated `scope` value as a list, empty entries dropped. */
export function splitScope(scope: string): string[] {
  return scope.split(' ').filter((s) => s.length > 0);
}
