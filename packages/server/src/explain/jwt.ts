import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';

/** A JWT split into its parts, not yet trusted. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** A public key as a JWKS publishes it. */
export type PublicJwk = JsonWebKey & { kid?: string };

/** Splits and parses a compact JWS; `undefined` when the string is not one (e.g. an opaque token). */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.trim().split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  const header_ = parseJsonPart(header);
  const payload_ = parseJsonPart(payload);
  if (!header_ || !payload_) return undefined;
  return {
    header: header_,
    payload: payload_,
    signingInput: `${header}.${payload}`,
    signature: Buffer.from(signature, 'base64url'),
  };
}

/**
 * Whether one of `keys` (the kid the header names, or any RSA key when it names none) signed the token
 * with RS256, the only algorithm the tenant signs access tokens with.
 */
export function signedByOneOf(jwt: DecodedJwt, keys: readonly PublicJwk[]): boolean {
  const kid = jwt.header.kid;
  const candidates = keys.filter((k) => k.kty === 'RSA' && (kid === undefined || k.kid === kid));
  return candidates.some((jwk) => {
    try {
      const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
      return verify('sha256', Buffer.from(jwt.signingInput), key, jwt.signature);
    } catch {
      return false;
    }
  });
}

function parseJsonPart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
