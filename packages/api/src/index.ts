/**
 * `@authmesh/api`: verify access tokens from an Auth0-compatible tenant (authmesh or Auth0), guard routes
 * by scope or permission, and answer with RFC 6750 errors. Framework-free; the Express, Fastify and Hono
 * adapters (`@authmesh/api/express`, `/fastify`, `/hono`) only render what this entry decides.
 */
export type { AccessTokenClaims, ActorClaim, AuthResult } from './auth-result.ts';
export { extractBearer, type RequestLike } from './bearer.ts';
export {
  type ApiErrorCode,
  AuthmeshApiError,
  BEARER_ERRORS,
  BearerError,
  type InvalidTokenReason,
  M2MError,
  OptionsError,
} from './errors.ts';
export {
  claimCheck,
  type GrantSource,
  type Guard,
  type GuardOptions,
  requirePermissions,
  requireScopes,
} from './guards.ts';
export { DEFAULT_REALM, type JwksOptions, type SigningAlg, SUPPORTED_ALGS, type VerifierOptions } from './options.ts';
export { type ErrorResponse, errorResponse } from './responses.ts';
export { createVerifier, type Verifier } from './verifier.ts';
