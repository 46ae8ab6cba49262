import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Storage } from '../storage/contract.ts';

/** A private RSA signing key as a JWK, as oidc-provider's `jwks` option takes it. */
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

const SIGNING_KEYS = 'keys:signing';
const COOKIE_KEYS = 'keys:cookies';

/**
 * The tenant's first signing key: an RSA-2048 key generated on first start and persisted, so that tokens
 * survive restarts. Create-once through the storage, so two processes starting at once agree on one key.
 * Rotation keeps the whole key set elsewhere (signing-key-ring.ts) and starts it from this key.
 */
export async function loadSigningKeys(storage: Storage): Promise<SigningJwk[]> {
  const existing = await storage.getState<SigningJwk[]>(SIGNING_KEYS);
  if (existing && existing.length > 0) return existing;
  return storage.setStateIfAbsent(SIGNING_KEYS, [generateSigningKey()]);
}

/** Keys that sign the engine's cookies; random, persisted, so sessions survive restarts. */
export async function loadCookieKeys(storage: Storage): Promise<string[]> {
  const existing = await storage.getState<string[]>(COOKIE_KEYS);
  if (existing && existing.length > 0) return existing;
  return storage.setStateIfAbsent(COOKIE_KEYS, [randomBytes(32).toString('base64url')]);
}

export function generateSigningKey(): SigningJwk {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const jwk = privateKey.export({ format: 'jwk' }) as Omit<SigningJwk, 'kid' | 'alg' | 'use'>;
  return { ...jwk, kty: 'RSA', kid: thumbprint(jwk.e, jwk.n), alg: 'RS256', use: 'sig' };
}

/** RFC 7638 JWK thumbprint: a stable kid derived from the public key. */
function thumbprint(e: string, n: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url');
}
