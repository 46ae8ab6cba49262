import { createHash, generateKeyPairSync } from 'node:crypto';

/** A private RSA signing key as a JWK, in the shape the tenant persists under its `keys:signing` state. */
export interface SigningJwk {
  kty: 'RSA';
  kid: string;
  alg: 'RS256';
  use: 'sig';
  n: string;
  e: string;
  d: string;
  p: string;
  q: string;
  dp: string;
  dq: string;
  qi: string;
}

/**
 * One RSA-2048 key that every bench target signs with. Generated here rather than imported from the
 * server's internals: the bench talks to the tenant only through `@authmesh/server`'s public entry.
 */
export function generateSigningKey(): SigningJwk {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const jwk = privateKey.export({ format: 'jwk' }) as Omit<SigningJwk, 'kid' | 'alg' | 'use'>;
  // RFC 7638 thumbprint, as the tenant derives its own kids.
  const kid = createHash('sha256')
    .update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n }))
    .digest('base64url');
  return { ...jwk, kty: 'RSA', kid, alg: 'RS256', use: 'sig' };
}
