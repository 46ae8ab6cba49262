import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { OptionsError } from '../errors.ts';
import type { SubjectToken } from './cache-key.ts';

/**
 * Prepares the incoming request's access token for an exchange. It is NOT verified here: the API verified it
 * when the request came in (`auth()`), and the tenant verifies it again when it exchanges it. Its `exp` is read
 * only to stop serving the exchanged token when the user's token expires; a token without one is still sent,
 * and the tenant decides.
 *
 * @throws OptionsError when `token` is not a non-empty string.
 */
export function subjectToken(token: unknown, method: string): SubjectToken {
  if (typeof token !== 'string' || token.trim() === '') {
    throw new OptionsError(
      `${method}: pass the incoming request's access token (e.g. req.auth.token) as a non-empty string`,
    );
  }
  return { token, hash: createHash('sha256').update(token).digest('base64url'), expiresAt: expiryOf(token) };
}

function expiryOf(token: string): number | undefined {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    // Not a JWT (an opaque token): the tenant's answer is all we know.
    return undefined;
  }
}
