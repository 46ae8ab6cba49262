/**
 * `@authmesh/api/express`: the Express adapter (Express 4.21+ and 5). It renders what the core decides:
 * `auth()` verifies the bearer token and sets `req.auth`; the guards check it. Refusals are answered
 * right here, with their `WWW-Authenticate` and `Cache-Control` headers, instead of being handed to
 * `next(err)`, where an error handler that forgets to copy the headers breaks RFC 6750 (a known pitfall
 * of express-oauth2-jwt-bearer). Other errors still go to `next(err)`.
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
import type { NextFunction, RequestHandler, Response } from 'express';
import { checkGuard, rememberRealm } from './adapters/shared.ts';

export type { AuthResult, GuardOptions, VerifierOptions } from '@authmesh/api';

declare global {
  namespace Express {
    interface Request {
      /** The verified access token, set by `auth()`; absent before it ran. */
      auth?: AuthResult;
    }
  }
}

/**
 * Verifies the bearer token of every request it sees and sets `req.auth`. The verifier is built once,
 * here: a bad option throws an `OptionsError` while the app is assembled, not on the first request.
 *
 * @example
 * ```ts
 * app.use(auth({ issuerBaseURL: 'http://localhost:4000/', audience: 'https://catalog.acme.test' }));
 * app.get('/me', (req, res) => { res.json({ subject: req.auth?.subject }); });
 * ```
 */
export function auth(options: VerifierOptions): RequestHandler {
  const verifier = createVerifier(options);
  return async function authmeshAuth(req, res, next) {
    let result: AuthResult;
    try {
      // originalUrl keeps the query even under a mounted router: a second token there must be seen.
      result = await verifier.authenticate({ headers: req.headers, url: req.originalUrl });
    } catch (error) {
      respond(res, next, () => errorResponse(error, verifier.realm));
      return;
    }
    req.auth = rememberRealm(result, verifier.realm);
    next();
  };
}

/**
 * Requires scopes (by default in `scope` or `permissions`); answers 403 `insufficient_scope` otherwise.
 *
 * @example
 * ```ts
 * app.post('/stock', requireScopes('adjust:stock'), adjustStock);
 * app.get('/any', requireScopes(['adjust:stock', 'read:catalog'], { match: 'any' }), handler);
 * ```
 */
export function requireScopes(scopes: string | readonly string[], options?: GuardOptions): RequestHandler {
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
): RequestHandler {
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
export function claimCheck(check: Parameters<typeof claimGuard>[0], description?: string): RequestHandler {
  return guardMiddleware(claimGuard(check, description));
}

function guardMiddleware(guard: Guard): RequestHandler {
  return function authmeshGuard(req, res, next) {
    respond(res, next, () => checkGuard(guard, req.auth));
  };
}

/** Sends the refusal `decide` returns, calls `next()` when there is none, `next(err)` when it throws. */
function respond(res: Response, next: NextFunction, decide: () => ErrorResponse | undefined): void {
  let refusal: ErrorResponse | undefined;
  try {
    refusal = decide();
  } catch (error) {
    next(error);
    return;
  }
  if (refusal) res.status(refusal.status).set(refusal.headers).json(refusal.body);
  else next();
}
