/**
 * What the three framework adapters share, and nothing framework-specific: which realm a verified token
 * was checked under, and how a guard's verdict becomes an `ErrorResponse`. Imports the public entry only,
 * like the adapters themselves, so any third-party adapter could be written the same way.
 */
import {
  type AuthResult,
  BearerError,
  DEFAULT_REALM,
  type ErrorResponse,
  errorResponse,
  type Guard,
} from '@authmesh/api';

// Guards are built apart from `auth(...)` and cannot see its options, but a 403 must carry the same realm
// as the 401s of that API. Keyed by the AuthResult: each one comes from exactly one verifier.
const realms = new WeakMap<AuthResult, string>();

/**
 * Records the realm of the verifier that produced `auth`, for the guards that run after it.
 *
 * @example
 * ```ts
 * const auth = await verifier.authenticate(request);
 * rememberRealm(auth, verifier.realm);
 * ```
 */
export function rememberRealm(auth: AuthResult, realm: string): AuthResult {
  realms.set(auth, realm);
  return auth;
}

/**
 * Runs a guard and returns the answer to send when it refuses, or `undefined` to let the request through.
 * No AuthResult means no `auth()` ran before the guard: fail closed, as if no token had been sent.
 * Errors that are not `BearerError`s (a throwing `claimCheck` callback) are rethrown for the framework.
 *
 * @example
 * ```ts
 * const refusal = checkGuard(scopesGuard('read:catalog'), req.auth);
 * if (refusal) return res.status(refusal.status).set(refusal.headers).json(refusal.body);
 * ```
 */
export function checkGuard(guard: Guard, auth: AuthResult | null | undefined): ErrorResponse | undefined {
  const realm = (auth && realms.get(auth)) ?? DEFAULT_REALM;
  try {
    if (!auth) throw new BearerError('ERR_TOKEN_MISSING', 'Authentication required');
    guard(auth);
    return undefined;
  } catch (error) {
    return errorResponse(error, realm);
  }
}
