/**
 * `@authmesh/api/hono`: the Hono 4 middleware. It renders what the core decides: `auth()` verifies the
 * bearer token of the Web `Request` and sets `c.get('auth')`; the guards check it.
 */
import {
  type AuthResult,
  claimCheck as claimGuard,
  createVerifier,
  type ErrorResponse,
  errorResponse,
  type Guard,
  type GuardOptions,
  requirePermissions as permissionsGuard,
  requireScopes as scopesGuard,
  type VerifierOptions,
} from '@authmesh/api';
import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { checkGuard, rememberRealm } from './adapters/shared.ts';

export type { AuthResult, GuardOptions, VerifierOptions } from '@authmesh/api';

/**
 * The context variables `auth()` sets.
 *
 * @example
 * ```ts
 * const app = new Hono<{ Variables: AuthVariables }>();
 * app.get('/me', (c) => c.json({ subject: c.get('auth').subject }));
 * ```
 */
export type AuthVariables = { auth: AuthResult };

type AuthEnv = { Variables: AuthVariables };

/**
 * Verifies the bearer token and sets `c.get('auth')`. The verifier is built once, here: a bad option
 * throws an `OptionsError` while the app is assembled, not on the first request.
 *
 * @example
 * ```ts
 * app.use('/api/*', auth({ issuerBaseURL: 'http://localhost:4000/', audience: 'https://catalog.acme.test' }));
 * ```
 */
export function auth(options: VerifierOptions): MiddlewareHandler<AuthEnv> {
  const verifier = createVerifier(options);
  return async function authmeshAuth(c, next) {
    let result: AuthResult;
    try {
      result = await verifier.authenticate(c.req.raw);
    } catch (error) {
      return send(c, errorResponse(error, verifier.realm));
    }
    c.set('auth', rememberRealm(result, verifier.realm));
    return next();
  };
}

/**
 * Requires scopes (by default in `scope` or `permissions`); answers 403 `insufficient_scope` otherwise.
 *
 * @example
 * ```ts
 * app.post('/stock', requireScopes('adjust:stock'), (c) => c.json({ adjusted: true }));
 * app.get('/any', requireScopes(['adjust:stock', 'read:catalog'], { match: 'any' }), handler);
 * ```
 */
export function requireScopes(scopes: string | readonly string[], options?: GuardOptions): MiddlewareHandler<AuthEnv> {
  return guardMiddleware(scopesGuard(scopes, options));
}

/**
 * Requires RBAC permissions (the `permissions` claim only).
 *
 * @example
 * ```ts
 * app.delete('/products/:id', requirePermissions('delete:products'), removeProduct);
 * ```
 */
export function requirePermissions(
  permissions: string | readonly string[],
  options?: Omit<GuardOptions, 'source'>,
): MiddlewareHandler<AuthEnv> {
  return guardMiddleware(permissionsGuard(permissions, options));
}

/**
 * Any other rule about the token; `description` is sent to the caller (keep secrets out of it).
 *
 * @example
 * ```ts
 * app.get('/jobs', claimCheck((claims) => claims.gty === 'client-credentials', 'Machine tokens only'), listJobs);
 * ```
 */
export function claimCheck(check: Parameters<typeof claimGuard>[0], description?: string): MiddlewareHandler<AuthEnv> {
  return guardMiddleware(claimGuard(check, description));
}

function guardMiddleware(guard: Guard): MiddlewareHandler<AuthEnv> {
  return async function authmeshGuard(c, next) {
    // `c.get` is typed as set, but a route guarded without `auth()` has nothing there: fail closed.
    const refusal = checkGuard(guard, c.get('auth') as AuthResult | undefined);
    if (refusal) return send(c, refusal);
    return next();
  };
}

function send(c: Context, refusal: ErrorResponse): Response {
  // The core only produces 400, 401, 403 and 503, all of which carry a body.
  return c.json(refusal.body, refusal.status as ContentfulStatusCode, refusal.headers);
}
