import { OptionsError } from '../errors.ts';
import type { TokenTarget } from './types.ts';

/** RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** A target after validation: `scope` sorted, de-duplicated, space-joined (`''` = none requested). */
export interface NormalisedTarget {
  audience: string;
  scope: string;
  /** On-behalf-of only: the user's access token to exchange (RFC 8693); absent for client credentials. */
  subject?: SubjectToken;
}

/** A user's access token as an exchange needs it. */
export interface SubjectToken {
  token: string;
  /** SHA-256 of the token (base64url): what cache keys carry, so a shared store never holds the token itself. */
  hash: string;
  /** Epoch ms of its `exp`, when it has one: an exchanged token is never served past it. */
  expiresAt: number | undefined;
}

/** Validates a `getToken`/`fetch` target; the same set of scopes always yields the same string. */
export function normaliseTarget(target: TokenTarget, method: string): NormalisedTarget {
  if (!target || typeof target !== 'object') {
    throw new OptionsError(`${method}: pass { audience, scope? } naming the API the token is for`);
  }
  const { audience, scope } = target;
  if (typeof audience !== 'string' || audience.trim() === '') {
    throw new OptionsError(`${method}: audience must be the API identifier as a non-empty string`);
  }
  let tokens: readonly unknown[];
  if (scope === undefined) tokens = [];
  else if (typeof scope === 'string') tokens = scope.split(/\s+/).filter(Boolean);
  else if (Array.isArray(scope)) tokens = scope.flatMap((s) => (typeof s === 'string' ? s.split(/\s+/) : [s]));
  else throw new OptionsError(`${method}: scope must be a space-separated string or a list of strings`);
  const unique = new Set<string>();
  for (const token of tokens) {
    if (token === '') continue;
    if (typeof token !== 'string' || !SCOPE_TOKEN.test(token)) {
      throw new OptionsError(
        `${method}: scope ${JSON.stringify(token)} is not a valid scope (RFC 6749 §3.3: printable ASCII except " and \\)`,
      );
    }
    unique.add(token);
  }
  return { audience, scope: [...unique].sort().join(' ') };
}

/** The cache key: who asks (endpoint, client), for which API, with which scopes. JSON keeps the parts unambiguous. */
export function cacheKey(tokenEndpoint: string, clientId: string, target: NormalisedTarget): string {
  const key = [tokenEndpoint, clientId, target.audience, target.scope];
  // The hash, never the token: keys are visible to anyone who can list the store.
  if (target.subject) key.push('on-behalf-of', target.subject.hash);
  return JSON.stringify(key);
}
