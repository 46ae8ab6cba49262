import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  X509Certificate,
} from 'node:crypto';
import { SignJWT } from 'jose';
import { ATTACKER_CERT_PEM, ATTACKER_KEY_PEM } from './attacker-material.ts';

/** A signing key of a test: private half to sign, public JWK to publish. */
export interface TestKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public JWK as a JWKS publishes it (`kid`, `use: sig`, and `alg` when given). */
  jwk: Record<string, unknown>;
}

function publicJwk(publicKey: KeyObject, kid: string, alg: string | undefined): Record<string, unknown> {
  return { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', ...(alg ? { alg } : {}) };
}

/** RSA key; `alg` is written into the JWK (as Auth0's JWKS does) unless `null`. */
export function rsaKey(kid: string, modulusLength = 2048, alg: string | null = 'RS256'): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength });
  return { kid, privateKey, publicKey, jwk: publicJwk(publicKey, kid, alg ?? undefined) };
}

/** EC P-256 key, published WITHOUT `alg` so that only the key type decides which algorithms it verifies. */
export function ecKey(kid: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, privateKey, publicKey, jwk: publicJwk(publicKey, kid, undefined) };
}

/** The attacker's key pair (fixed, with a self-signed certificate for `x5c`). */
export function attackerKey(kid = 'attacker'): TestKey & { certDerBase64: string } {
  const privateKey = createPrivateKey(ATTACKER_KEY_PEM);
  const publicKey = createPublicKey(privateKey);
  const cert = new X509Certificate(ATTACKER_CERT_PEM);
  return {
    kid,
    privateKey,
    publicKey,
    jwk: publicJwk(publicKey, kid, 'RS256'),
    certDerBase64: cert.raw.toString('base64'),
  };
}

export const b64url = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Signs a JWS signing input with node:crypto, for the algorithms jose would refuse to produce as asked. */
export function rawSignature(
  alg: 'RS256' | 'ES256' | 'ES256-DER' | 'HS256',
  key: KeyObject | string | Buffer,
  input: string,
): Buffer {
  const data = Buffer.from(input, 'latin1');
  switch (alg) {
    case 'RS256':
      return sign('sha256', data, key as KeyObject);
    case 'ES256':
      return sign('sha256', data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
    case 'ES256-DER':
      return sign('sha256', data, { key: key as KeyObject, dsaEncoding: 'der' });
    case 'HS256':
      return createHmac('sha256', key as string | Buffer)
        .update(data)
        .digest();
  }
}

/**
 * A compact JWS from any header and payload (objects are JSON-encoded, strings taken as the raw JSON
 * text), signed by `signer` or carrying the given raw signature segment.
 */
export function forge(
  header: Record<string, unknown> | string,
  payload: Record<string, unknown> | string,
  signer: ((input: string) => Buffer) | { signature: string },
): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = typeof signer === 'function' ? signer(input).toString('base64url') : signer.signature;
  return `${input}.${signature}`;
}

/** Removes the keys whose value is `undefined` (to leave a claim out). */
export function defined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

/** A well-formed access token signed with jose's `SignJWT` (RS256 or ES256 per key type). */
export async function signJwt(
  key: TestKey,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const alg = key.privateKey.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
  return new SignJWT(defined(payload))
    .setProtectedHeader({ alg, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey);
}
