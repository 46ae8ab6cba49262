import type { Context, Next } from 'koa';
import type { SigningKeyRing } from '../tenant/signing-key-ring.ts';

/**
 * The JWKS path, from the tenant's live key set: the engine computes its JWKS once at construction, which
 * would miss a key rotated in later (or by another process). The engine still answers the request (CORS,
 * errors, content type); this replaces only the keys of a successful answer with the keys published now:
 * the current key, a rotated-in key before it signs, and replaced keys until their tokens have expired.
 */
export function createJwks(ring: SigningKeyRing) {
  return async function jwks(ctx: Context, next: Next): Promise<void> {
    await next();
    if (ctx.status !== 200 || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return;
    ctx.body = {
      keys: ring
        .published()
        .map(({ jwk }) => ({ kty: jwk.kty, use: jwk.use, kid: jwk.kid, alg: jwk.alg, e: jwk.e, n: jwk.n })),
    };
    ctx.type = 'application/jwk-set+json; charset=utf-8';
  };
}
