import type { Context, Next } from 'koa';
import { userClaims } from '../engine/accounts.ts';
import { originAllowedForClient } from '../engine/client-cors.ts';
import { claimsOf } from '../engine/scopes.ts';
import type { TenantContext } from '../tenant/context.ts';
import { bearerToken, hasAudience, verifyOwnAccessToken } from '../tenant/own-tokens.ts';
import type { UserRecord } from '../tenant/records.ts';
import type { PublicKeySource } from '../tenant/signing-key-ring.ts';

/**
 * `/userinfo` with an API access token (a JWT whose `aud` contains `<issuer>userinfo`), which Auth0
 * accepts and the engine does not (it refuses tokens with an audience, and never stores JWTs). Opaque
 * tokens, and preflight requests, fall through to the engine's own endpoint.
 *
 * Browser apps (oidc-client-ts with `loadUserInfo`, auth0-spa-js users calling it themselves) read the
 * answer cross-origin, so it carries the engine's CORS headers by the engine's rules: any origin may
 * read why a token was refused, and once the token names its client, only that client's registered
 * origins may read the profile (anyone else gets the engine's `invalid_request`).
 */
export function createJwtUserinfo(tenant: TenantContext, signingKeys: PublicKeySource) {
  const userinfoAudience = `${tenant.issuer}userinfo`;

  return async function jwtUserinfo(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'GET' && ctx.method !== 'POST') return next();
    const token = bearerToken(ctx.get('Authorization'));
    if (token === undefined) return next();
    const verified = verifyOwnAccessToken(token, signingKeys.publicKeys(), tenant.issuer);
    if (!verified.ok && verified.reason === 'malformed') return next();
    const origin = ctx.get('Origin');
    allowOrigin(ctx, origin || '*');
    if (!verified.ok)
      return unauthorized(ctx, verified.reason === 'expired' ? 'The token has expired' : 'Invalid token');
    const { claims } = verified;
    const clientId = typeof claims.azp === 'string' ? claims.azp : claims.client_id;
    if (origin !== '' && (typeof clientId !== 'string' || !originAllowedForClient(tenant, origin, clientId))) {
      return originRefused(ctx, origin, clientId);
    }
    if (!hasAudience(claims, userinfoAudience)) {
      return unauthorized(ctx, 'The token audience does not include userinfo');
    }
    const user =
      typeof claims.sub === 'string' ? await tenant.storage.entities.get<UserRecord>('user', claims.sub) : undefined;
    if (!user || user.doc.blocked) return unauthorized(ctx, 'The user no longer exists');
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    const all = userClaims(user.doc);
    const body: Record<string, unknown> = { sub: user.doc.user_id };
    for (const scope of scopes) for (const claim of claimsOf(scope)) if (claim in all) body[claim] = all[claim];
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };
}

/**
 * What the engine's CORS middleware sets on a non-preflight request to its own `/userinfo` (`*` when
 * there is no Origin: nothing but a browser enforces CORS, and a browser always sends one cross-origin).
 */
function allowOrigin(ctx: Context, origin: string): void {
  ctx.vary('Origin');
  ctx.set('Access-Control-Allow-Origin', origin);
  ctx.set('Access-Control-Expose-Headers', 'WWW-Authenticate');
}

/** The engine's answer when `clientBasedCORS` refuses the origin: no CORS header, `invalid_request`. */
function originRefused(ctx: Context, origin: string, clientId: unknown): void {
  ctx.remove('Access-Control-Allow-Origin');
  ctx.remove('Access-Control-Expose-Headers');
  ctx.status = 400;
  ctx.body = {
    error: 'invalid_request',
    error_description: `origin ${origin} not allowed for client: ${typeof clientId === 'string' ? clientId : ''}`,
  };
}

/** Auth0's /userinfo answers 401 without a JSON body; the reason is in WWW-Authenticate. */
function unauthorized(ctx: Context, description: string): void {
  ctx.status = 401;
  ctx.set('WWW-Authenticate', `Bearer realm="Users", error="invalid_token", error_description="${description}"`);
  ctx.body = '';
}
