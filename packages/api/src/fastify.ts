/**
 * `@authmesh/api/fastify`: the Fastify 5 plugin. It renders what the core decides: an `onRequest` hook
 * verifies the bearer token and sets `request.auth`; route-level `preHandler` guards check it.
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
import type { FastifyPluginAsync, FastifyReply, onRequestAsyncHookHandler, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { checkGuard, rememberRealm } from './adapters/shared.ts';

export type { AuthResult, GuardOptions, VerifierOptions } from '@authmesh/api';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access token; `null` until `authenticate` ran. */
    auth: AuthResult | null;
  }
  interface FastifyInstance {
    /** Verifies the bearer token and sets `request.auth`; use as a route's `onRequest` with `global: false`. */
    authenticate: onRequestAsyncHookHandler;
  }
}

/** The verifier's options plus where the plugin authenticates. */
export interface AuthmeshFastifyOptions extends VerifierOptions {
  /**
   * `true` (default): every route of the context the plugin is registered in is authenticated by an
   * `onRequest` hook. `false`: only routes that name `onRequest: app.authenticate`.
   */
  global?: boolean;
}

const plugin: FastifyPluginAsync<AuthmeshFastifyOptions> = async (fastify, options) => {
  const { global = true, ...verifierOptions } = options;
  // Built once, at registration: a bad option fails `register`/`ready`, not the first request.
  const verifier = createVerifier(verifierOptions);
  // Declared up front (null) so every request object keeps one shape.
  fastify.decorateRequest('auth', null);
  const authenticate: onRequestAsyncHookHandler = async function authenticate(request, reply) {
    try {
      const result = await verifier.authenticate({ headers: request.headers, url: request.url });
      request.auth = rememberRealm(result, verifier.realm);
    } catch (error) {
      return send(reply, errorResponse(error, verifier.realm));
    }
  };
  fastify.decorate('authenticate', authenticate);
  if (global) fastify.addHook('onRequest', authenticate);
};

/**
 * The plugin. Wrapped with `fastify-plugin`, so its hook and decorators apply to the context it is
 * registered in: register it inside a child context to protect only that context's routes.
 *
 * @example
 * ```ts
 * await app.register(authmeshAuth, { issuerBaseURL: 'http://localhost:4000/', audience: 'https://catalog.acme.test' });
 * app.get('/products', { preHandler: requireScopes('read:products') }, async (request) => ({ by: request.auth?.subject }));
 * ```
 */
export const authmeshAuth = fp(plugin, { fastify: '5.x', name: '@authmesh/api' });

/**
 * Requires scopes (by default in `scope` or `permissions`) as a `preHandler`; 403 `insufficient_scope` otherwise.
 *
 * @example
 * ```ts
 * app.post('/stock', { preHandler: requireScopes('adjust:stock') }, adjustStock);
 * app.get('/any', { preHandler: requireScopes(['adjust:stock', 'read:catalog'], { match: 'any' }) }, handler);
 * ```
 */
export function requireScopes(scopes: string | readonly string[], options?: GuardOptions): preHandlerAsyncHookHandler {
  return guardHook(scopesGuard(scopes, options));
}

/**
 * Requires RBAC permissions (the `permissions` claim only), as a `preHandler`.
 *
 * @example
 * ```ts
 * app.delete('/products/:id', { preHandler: requirePermissions('delete:products') }, removeProduct);
 * ```
 */
export function requirePermissions(
  permissions: string | readonly string[],
  options?: Omit<GuardOptions, 'source'>,
): preHandlerAsyncHookHandler {
  return guardHook(permissionsGuard(permissions, options));
}

/**
 * Any other rule about the token, as a `preHandler`; `description` is sent to the caller (no secrets).
 *
 * @example
 * ```ts
 * app.get('/jobs', { preHandler: claimCheck((claims) => claims.gty === 'client-credentials', 'Machine tokens only') }, listJobs);
 * ```
 */
export function claimCheck(check: Parameters<typeof claimGuard>[0], description?: string): preHandlerAsyncHookHandler {
  return guardHook(claimGuard(check, description));
}

function guardHook(guard: Guard): preHandlerAsyncHookHandler {
  return async function authmeshGuard(request, reply) {
    const refusal = checkGuard(guard, request.auth);
    if (refusal) return send(reply, refusal);
  };
}

// Returning the reply tells Fastify an async hook has answered and the chain stops here.
function send(reply: FastifyReply, refusal: ErrorResponse): FastifyReply {
  return reply.code(refusal.status).headers(refusal.headers).send(refusal.body);
}
