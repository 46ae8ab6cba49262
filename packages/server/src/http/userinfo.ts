import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { Context, Next } from 'koa';
import { userClaims } from '../engine/accounts.ts';
import type { EngineContext } from '../engine/context.ts';
import type { SigningJwk } from '../tenant/keys.ts';
import type { UserRecord } from '../tenant/records.ts';

const SCOPE_CLAIMS: Record<string, readonly string[]> = {
  profile: ['name', 'nickname', 'picture', 'updated_at', 'given_name', 'family_name'],
  email: ['email', 'email_verified'],
};

/**
 * `/userinfo` with an API access token (a JWT whose `aud` contains `<issuer>userinfo`), which Auth0
 * accepts and the engine does not (it refuses tokens with an audience, and never stores JWTs). Opaque
 * tokens fall through to the engine's own endpoint.
 */
export function createJwtUserinfo(engine: EngineContext, signingKeys: SigningJwk[]) {
  const keys = new Map<string, KeyObject>(
    signingKeys.map((k) => [k.kid, createPublicKey({ key: { kty: k.kty, n: k.n, e: k.e }, format: 'jwk' })]),
  );
  const userinfoAudience = `${engine.issuer}userinfo`;

  return async function jwtUserinfo(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'GET' && ctx.method !== 'POST') return next();
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(ctx.get('Authorization'));
    if (!match?.[1] || match[1].length > 16_384) return next();
    const claims = verifyAccessToken(match[1], keys, engine.issuer);
    if (claims === 'not-ours') return next();
    if (typeof claims === 'string') return unauthorized(ctx, claims);
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(userinfoAudience)) return unauthorized(ctx, 'The token audience does not include userinfo');
    const user =
      typeof claims.sub === 'string' ? await engine.storage.entities.get<UserRecord>('user', claims.sub) : undefined;
    if (!user || user.doc.blocked) return unauthorized(ctx, 'The user no longer exists');
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    const all = userClaims(user.doc);
    const body: Record<string, unknown> = { sub: user.doc.user_id };
    for (const scope of scopes)
      for (const claim of SCOPE_CLAIMS[scope] ?? []) if (claim in all) body[claim] = all[claim];
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };
}

interface Claims {
  iss?: unknown;
  sub?: unknown;
  aud?: unknown;
  exp?: unknown;
  nbf?: unknown;
  scope?: unknown;
}

/** Claims of a valid token of ours, an error text, or 'not-ours' when it is not one of our JWTs at all. */
function verifyAccessToken(token: string, keys: Map<string, KeyObject>, issuer: string): Claims | string {
  const [h, p, s] = token.split('.') as [string, string, string];
  let header: { alg?: unknown; kid?: unknown; crit?: unknown };
  let claims: Claims;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return 'not-ours';
  }
  if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null) return 'not-ours';
  const key = typeof header.kid === 'string' ? keys.get(header.kid) : undefined;
  if (header.alg !== 'RS256' || !key || header.crit !== undefined) return 'Invalid token';
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) return 'Invalid token';
  const now = Math.floor(Date.now() / 1000);
  if (claims.iss !== issuer) return 'Invalid token';
  if (typeof claims.exp !== 'number' || claims.exp <= now) return 'The token has expired';
  if (typeof claims.nbf === 'number' && claims.nbf > now) return 'Invalid token';
  return claims;
}

/** Auth0's /userinfo answers 401 without a JSON body; the reason is in WWW-Authenticate. */
function unauthorized(ctx: Context, description: string): void {
  ctx.status = 401;
  ctx.set('WWW-Authenticate', `Bearer realm="Users", error="invalid_token", error_description="${description}"`);
  ctx.body = '';
}
