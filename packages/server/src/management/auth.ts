import { managementApiIdentifier } from '../tenant/management-api.ts';
import { bearerToken, hasAudience, verifyOwnAccessToken } from '../tenant/own-tokens.ts';
import type { PublicKeySource } from '../tenant/signing-key-ring.ts';
import { ManagementError } from './errors.ts';
import type { Caller } from './types.ts';

/*
 * Who may call the Management API (docs/security.md, "Management API"):
 * - a JWT the tenant signed, not expired, whose `aud` is (or contains) `<issuer>api/v2/`: a token for any
 *   other API is refused with 401 even when it carries a scope of the same name;
 * - each route then needs one of its scopes (403 `insufficient_scope`), checked before anything is looked
 *   up, so a caller without the scope cannot learn whether an object exists.
 * Tokens are not checked against the current client list: like Auth0's, they stay valid until `exp`.
 */

const EXPIRED = 'Expired token received for JSON Web Token validation';

/** Returns a function that turns an `Authorization` header into the {@link Caller}, or throws 401. */
export function createAuthenticator(signingKeys: PublicKeySource, issuer: string) {
  const audience = managementApiIdentifier(issuer);

  return function authenticate(authorization: string): Caller {
    // Auth0 (hapi) answers a request without credentials differently from one with bad credentials.
    if (authorization === '') throw unauthorized('Missing authentication', false);
    const token = bearerToken(authorization);
    if (token === undefined) throw unauthorized('Invalid token');
    const verified = verifyOwnAccessToken(token, signingKeys.publicKeys(), issuer);
    if (!verified.ok) throw unauthorized(verified.reason === 'expired' ? EXPIRED : 'Invalid token');
    const { claims } = verified;
    if (!hasAudience(claims, audience)) throw unauthorized(`Bad audience: ${describeAudience(claims.aud)}`);
    const id = typeof claims.azp === 'string' ? claims.azp : typeof claims.sub === 'string' ? claims.sub : undefined;
    if (id === undefined) throw unauthorized('Invalid token');
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter((s) => s !== '') : [];
    const user = userSubject(claims);
    return {
      id,
      scopes: new Set(scopes),
      ...(user === undefined ? {} : { user }),
      ...(typeof claims.exp === 'number' ? { expiresAt: claims.exp * 1000 } : {}),
    };
  };
}

/** Throws 403 `insufficient_scope` unless the caller holds one of `anyOf`. */
export function requireScope(caller: Caller, anyOf: readonly string[]): void {
  if (anyOf.some((scope) => caller.scopes.has(scope))) return;
  throw new ManagementError(403, `Insufficient scope, expected any of: ${anyOf.join(',')}`, 'insufficient_scope');
}

/** True when the caller holds `scope`. */
export function hasScope(caller: Caller, scope: string): boolean {
  return caller.scopes.has(scope);
}

/**
 * The user behind a user's token. M2M tokens are told apart by `gty: client-credentials` (Auth0 profile)
 * or by their `<client_id>@clients` subject (RFC 9068 profile, which has no `gty`).
 */
function userSubject(claims: { sub?: unknown; gty?: unknown }): string | undefined {
  const { sub } = claims;
  if (claims.gty === 'client-credentials' || typeof sub !== 'string' || sub.endsWith('@clients')) return undefined;
  return sub;
}

function unauthorized(message: string, withAttributes = true): ManagementError {
  return new ManagementError(401, message, undefined, {
    ...(withAttributes ? { attributes: { error: message } } : {}),
    headers: { 'WWW-Authenticate': withAttributes ? `Bearer error="invalid_token"` : 'Bearer' },
  });
}

function describeAudience(aud: unknown): string {
  const list = Array.isArray(aud) ? aud : [aud];
  // The audience is the caller's own token content, shown to the caller only; cap it for the log-friendly message.
  return list
    .map((a) => String(a))
    .join(' ')
    .slice(0, 200);
}
