import type { KeyObject } from 'node:crypto';
import { verifyOwnAccessToken } from '../tenant/own-tokens.ts';
import { TokenExchangeRefusal } from './token-exchange-errors.ts';

/**
 * Auth0 limits the delegation chain to five nested `act` levels: a subject token that already carries
 * five is refused ("…exceeds the maximum allowed limit of 4" counts the levels it may already have
 * before one more is added: 4).
 * https://auth0.com/docs/api/authentication/on-behalf-of-token-exchange/get-token
 */
export const MAX_SUBJECT_ACT_DEPTH = 4;

/** RFC 8693 §4.1 actor claim: the current actor, with the previous ones nested in its own `act`. */
export type ActorClaim = {
  sub: string;
  client_id: string;
  act?: Record<string, unknown>;
};

/** What the exchange takes from a valid subject token. */
export interface SubjectToken {
  userId: string;
  /** The subject token's own `act` chain, if it was itself an exchanged token. */
  act?: Record<string, unknown>;
}

/**
 * Checks the `subject_token` of an On-Behalf-Of exchange: an access token this tenant signed and that has
 * not expired (RFC 8693 §2.1: the server validates it), issued for `callerApi` (the calling client's own
 * API: a token for any other audience was not meant for it), for a user (not a client-credentials token),
 * with a delegation chain that may still grow.
 */
export function verifySubjectToken(
  token: string,
  keys: ReadonlyMap<string, KeyObject>,
  issuer: string,
  callerApi: string,
): SubjectToken {
  const verified = verifyOwnAccessToken(token, keys, issuer);
  if (!verified.ok) {
    throw verified.reason === 'expired'
      ? new TokenExchangeRefusal('subject_token_expired', 'subject_token has expired')
      : new TokenExchangeRefusal('subject_token_invalid', 'subject_token is not a valid access token of this tenant');
  }
  const claims = verified.claims as typeof verified.claims & { gty?: unknown; act?: unknown };
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(callerApi)) {
    throw new TokenExchangeRefusal(
      'subject_token_audience',
      `subject_token was not issued for this client's API (${callerApi})`,
    );
  }
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub.endsWith('@clients') || claims.gty === 'client-credentials') {
    throw new TokenExchangeRefusal('subject_not_user', 'subject_token must be a user access token');
  }
  const act = isObject(claims.act) ? claims.act : undefined;
  if (actDepth(act) > MAX_SUBJECT_ACT_DEPTH) {
    throw new TokenExchangeRefusal(
      'chain_too_deep',
      `Delegation chain (\`act\` claim) depth exceeds the maximum allowed limit of ${MAX_SUBJECT_ACT_DEPTH}`,
    );
  }
  return { userId: sub, ...(act === undefined ? {} : { act }) };
}

/** The new token's `act`: the calling client, with the subject token's chain nested inside (RFC 8693 §4.1). */
export function actorClaim(clientId: string, previous: Record<string, unknown> | undefined): ActorClaim {
  return { sub: `${clientId}@clients`, client_id: clientId, ...(previous === undefined ? {} : { act: previous }) };
}

/** How many actors a chain names: 0 without `act`, 1 for `{sub}`, 2 for `{sub, act: {sub}}`… */
export function actDepth(act: Record<string, unknown> | undefined): number {
  let depth = 0;
  let level: unknown = act;
  while (isObject(level)) {
    depth += 1;
    level = level.act;
  }
  return depth;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
