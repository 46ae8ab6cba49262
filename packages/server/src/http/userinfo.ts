import type { Context, Next } from 'koa';
import { userClaims } from '../engine/accounts.ts';
import { claimsOf } from '../engine/scopes.ts';
import type { TenantContext } from '../tenant/context.ts';
import type { SigningJwk } from '../tenant/keys.ts';
import { bearerToken, hasAudience, publicKeysByKid, verifyOwnAccessToken } from '../tenant/own-tokens.ts';
import type { UserRecord } from '../tenant/records.ts';

/**
 * `/userinfo` with an API access token (a JWT whose `aud` contains `<issuer>userinfo`), which Auth0
 * accepts and the engine does not (it refuses tokens with an audience, and never stores JWTs). Opaque
 * tokens fall through to the engine's own endpoint.
 */
export function createJwtUserinfo(tenant: TenantContext, signingKeys: SigningJwk[]) {
  const keys = publicKeysByKid(signingKeys);
  const userinfoAudience = `${tenant.issuer}userinfo`;

  return async function jwtUserinfo(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'GET' && ctx.method !== 'POST') return next();
    const token = bearerToken(ctx.get('Authorization'));
    if (token === undefined) return next();
    const verified = verifyOwnAccessToken(token, keys, tenant.issuer);
    if (!verified.ok && verified.reason === 'malformed') return next();
    if (!verified.ok)
      return unauthorized(ctx, verified.reason === 'expired' ? 'The token has expired' : 'Invalid token');
    const { claims } = verified;
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

/** Auth0's /userinfo answers 401 without a JSON body; the reason is in WWW-Authenticate. */
function unauthorized(ctx: Context, description: string): void {
  ctx.status = 401;
  ctx.set('WWW-Authenticate', `Bearer realm="Users", error="invalid_token", error_description="${description}"`);
  ctx.body = '';
}
