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

/** The user claims each OpenID Connect scope releases (Core §5.4), as Auth0 releases them. */
export const SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'nickname', 'picture', 'updated_at', 'given_name', 'family_name'],
  email: ['email', 'email_verified'],
} as const satisfies Record<string, readonly string[]>;

/** The claims a scope releases; none for API scopes. */
export function claimsOf(scope: string): readonly string[] {
  return Object.hasOwn(SCOPE_CLAIMS, scope) ? SCOPE_CLAIMS[scope as keyof typeof SCOPE_CLAIMS] : [];
}
