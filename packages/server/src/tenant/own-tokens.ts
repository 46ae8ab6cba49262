import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { SigningJwk } from './keys.ts';

/*
 * Verification of the JWT access tokens this tenant issued, for the endpoints the tenant serves itself
 * (`/userinfo` with an API token, the Management API). Only node:crypto: the tenant's own tokens are
 * RS256 with a `kid` from its key set, nothing else needs to be accepted.
 */

/** Tokens longer than this are refused unparsed (ours are well under 2 KiB). */
const MAX_TOKEN_LENGTH = 16_384;
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;
/**
 * Seconds a token's `iat` may lie ahead of this clock. The tenant signs these tokens itself, so only a clock
 * step, or instances whose clocks disagree, can put a genuine one ahead; a minute absorbs that.
 */
const CLOCK_TOLERANCE_SECONDS = 60;

/** The claims the tenant's endpoints read; everything is `unknown` until checked. */
export interface OwnTokenClaims {
  iss?: unknown;
  sub?: unknown;
  aud?: unknown;
  azp?: unknown;
  /** The client, in the RFC 9068 profile (which has no `azp`). */
  client_id?: unknown;
  exp?: unknown;
  nbf?: unknown;
  iat?: unknown;
  scope?: unknown;
}

/**
 * - `malformed`: not a JWS of ours at all (undecodable header or payload);
 * - `invalid`: bad algorithm or `typ`, unknown key, bad signature, wrong issuer, not yet valid or issued in
 *   the future;
 * - `expired`: everything checked out but `exp` has passed.
 */
export type OwnTokenResult =
  | { ok: true; claims: OwnTokenClaims }
  | { ok: false; reason: 'malformed' | 'invalid' | 'expired' };

/** The public keys of the tenant's signing keys, by `kid`. */
export function publicKeysByKid(signingKeys: readonly SigningJwk[]): Map<string, KeyObject> {
  return new Map(
    signingKeys.map((k) => [k.kid, createPublicKey({ key: { kty: k.kty, n: k.n, e: k.e }, format: 'jwk' })]),
  );
}

/** The compact JWS of an `Authorization: Bearer` header, or undefined when the header is anything else. */
export function bearerToken(authorization: string): string | undefined {
  const token = BEARER.exec(authorization)?.[1];
  return token !== undefined && token.length <= MAX_TOKEN_LENGTH ? token : undefined;
}

/**
 * Verifies a JWT the tenant signed: RS256 with one of its keys, an access-token `typ` (see
 * {@link isAccessTokenType}), no `crit`, `iss` = the issuer, `exp` in the future, `nbf` (if any) in the past,
 * `iat` (if any) not later than now plus {@link CLOCK_TOLERANCE_SECONDS}. The audience is the caller's
 * business: each endpoint wants its own.
 */
export function verifyOwnAccessToken(
  token: string,
  keys: ReadonlyMap<string, KeyObject>,
  issuer: string,
): OwnTokenResult {
  const [h, p, s] = token.split('.') as [string, string, string];
  let header: { alg?: unknown; kid?: unknown; crit?: unknown; typ?: unknown };
  let claims: OwnTokenClaims;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null) {
    return { ok: false, reason: 'malformed' };
  }
  const key = typeof header.kid === 'string' ? keys.get(header.kid) : undefined;
  if (header.alg !== 'RS256' || !key || header.crit !== undefined || !isAccessTokenType(header.typ)) {
    return { ok: false, reason: 'invalid' };
  }
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) {
    return { ok: false, reason: 'invalid' };
  }
  const now = Math.floor(Date.now() / 1000);
  if (claims.iss !== issuer) return { ok: false, reason: 'invalid' };
  if (typeof claims.exp !== 'number' || claims.exp <= now) return { ok: false, reason: 'expired' };
  if (typeof claims.nbf === 'number' && claims.nbf > now) return { ok: false, reason: 'invalid' };
  if (claims.iat !== undefined && !(typeof claims.iat === 'number' && claims.iat <= now + CLOCK_TOLERANCE_SECONDS)) {
    return { ok: false, reason: 'invalid' };
  }
  return { ok: true, claims };
}

/**
 * The `typ` values of the access tokens the tenant signs: `JWT` (Auth0 profile) and `at+jwt` (RFC 9068),
 * compared as media types: case-insensitively, `application/` prefix optional (RFC 7515 §4.1.9). A token
 * without `typ` is refused: both profiles always set one, and explicit typing is what keeps other JWTs
 * (logout tokens, client assertions) from passing as access tokens (RFC 8725 §3.11). ID tokens also say
 * `JWT`; what refuses them is their audience (the client id), which no endpoint accepts.
 */
function isAccessTokenType(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const mediaType = typ.toLowerCase().replace(/^application\//, '');
  return mediaType === 'jwt' || mediaType === 'at+jwt';
}

/** True when the token's `aud` (a string or an array) names `audience`. */
export function hasAudience(claims: OwnTokenClaims, audience: string): boolean {
  return Array.isArray(claims.aud) ? claims.aud.includes(audience) : claims.aud === audience;
}
