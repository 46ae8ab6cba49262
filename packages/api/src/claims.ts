import { BearerError, type InvalidTokenReason } from './errors.ts';
import type { ResolvedVerifierOptions } from './options.ts';

/**
 * `typ`: Auth0's default profile sends `JWT`, RFC 9068 `at+jwt`; strict mode accepts only the latter. Values
 * are media types, compared as such: any case, `application/` prefix optional (RFC 7515 §4.1.9, RFC 9068 §4).
 * A token without `typ` is refused: both profiles always send one, and explicit typing is what keeps other
 * JWTs of the same issuer (logout tokens, client assertions) from passing as access tokens (RFC 8725 §3.11).
 * ID tokens also say `JWT`: what refuses them is their audience, a client id and never this API.
 */
export function checkType(header: Record<string, unknown>, strict: boolean): void {
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase().replace(/^application\//, '') : undefined;
  if (typ === 'at+jwt' || (!strict && typ === 'jwt')) return;
  throw reject(
    'type',
    strict ? 'The token is not an RFC 9068 access token (typ at+jwt)' : 'The token is not an access token (typ)',
  );
}

/**
 * Claims after the signature is known good: exact `iss`, our `aud`, and time within the tolerance.
 * Descriptions say which check failed and never echo the token's values (they are attacker input).
 */
export function checkClaims(
  payload: Record<string, unknown>,
  issuer: string,
  options: ResolvedVerifierOptions,
  nowS: number,
): void {
  if (payload.iss !== issuer) throw reject('issuer', 'The token issuer is not the expected one');
  const aud = payload.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : undefined;
  if (!audiences?.some((a) => typeof a === 'string' && options.audiences.has(a))) {
    throw reject('audience', 'The token audience is not this API');
  }
  const tolerance = options.clockTolerance;
  if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp))
    throw reject('claims', 'The token has no valid exp claim');
  if (nowS > payload.exp + tolerance) throw reject('expired', 'The token has expired');
  if (payload.nbf !== undefined) {
    if (typeof payload.nbf !== 'number') throw reject('claims', 'The token nbf claim is not a number');
    if (payload.nbf > nowS + tolerance) throw reject('not_yet_valid', 'The token is not valid yet');
  }
  if (payload.iat !== undefined) {
    if (typeof payload.iat !== 'number') throw reject('claims', 'The token iat claim is not a number');
    if (payload.iat > nowS + tolerance) throw reject('not_yet_valid', 'The token was issued in the future');
  }
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw reject('claims', 'The token has no sub claim');
  if (payload.scope !== undefined && typeof payload.scope !== 'string') {
    throw reject('claims', 'The token scope claim is not a string');
  }
  if (payload.permissions !== undefined && !isStringArray(payload.permissions)) {
    throw reject('claims', 'The token permissions claim is not a list of strings');
  }
  if (payload.act !== undefined && !isActor(payload.act, MAX_ACTOR_DEPTH)) {
    throw reject('claims', 'The token act claim is not a chain of actors with sub');
  }
}

/** Deeper `act` chains than any tenant issues are refused: the claim is walked on every request. */
const MAX_ACTOR_DEPTH = 10;

/** RFC 8693 §4.1: an object with a string `sub`, optionally nesting the previous actor. */
function isActor(value: unknown, depthLeft: number): boolean {
  if (depthLeft === 0 || !value || typeof value !== 'object' || Array.isArray(value)) return false;
  const actor = value as Record<string, unknown>;
  if (typeof actor.sub !== 'string' || actor.sub === '') return false;
  return actor.act === undefined || isActor(actor.act, depthLeft - 1);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

export function reject(reason: InvalidTokenReason, description: string): BearerError {
  return new BearerError('ERR_TOKEN_INVALID', description, { reason });
}
