import { createPrivateKey, type JsonWebKey, KeyObject, randomUUID, type webcrypto } from 'node:crypto';
import { type JWK, SignJWT } from 'jose';
import { OptionsError } from '../errors.ts';

/** RFC 7523 §2.2. */
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Auth0 accepts assertions valid for at most 5 minutes; one minute is plenty for one request. */
const ASSERTION_LIFETIME_S = 60;

/**
 * How the client proves who it is. The secret or key lives only in this closure: it is never a property of an
 * object that could be logged or serialised.
 */
export interface ClientAuthentication {
  method: 'client_secret_post' | 'private_key_jwt';
  /** Form parameters that authenticate one request (a new assertion each time: `jti` must not repeat). */
  params(nowMs: number): Promise<Record<string, string>>;
  /** Removes the secret from text the tenant sent back, should it ever echo it. */
  redact(text: string): string;
}

/**
 * Builds the client authentication from the options. `audience` is the assertion's `aud`: the issuer, which is
 * what Auth0 expects (`https://{domain}/`).
 */
export function clientAuthentication(options: {
  clientId: string;
  clientSecret: unknown;
  privateKey: unknown;
  audience: string;
  /** The function the application called, named in error messages. */
  caller: string;
}): ClientAuthentication {
  const { clientId, clientSecret, privateKey, audience, caller } = options;
  if ((clientSecret === undefined) === (privateKey === undefined)) {
    throw new OptionsError(
      `${caller}: pass exactly one of clientSecret (client_secret_post) and privateKey (private_key_jwt), ` +
        'matching the authentication method configured for the client in the tenant',
    );
  }
  if (clientSecret !== undefined) {
    if (typeof clientSecret !== 'string' || clientSecret === '') {
      throw new OptionsError(`${caller}: clientSecret must be a non-empty string (the client secret from the tenant)`);
    }
    return {
      method: 'client_secret_post',
      params: async () => ({ client_secret: clientSecret }),
      redact: (text) => text.split(clientSecret).join('[redacted]'),
    };
  }
  const { key, kid } = signingKey(privateKey, caller);
  return {
    method: 'private_key_jwt',
    async params(nowMs) {
      const iat = Math.floor(nowMs / 1000);
      const assertion = await new SignJWT({})
        .setProtectedHeader(kid === undefined ? { alg: 'RS256' } : { alg: 'RS256', kid })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(audience)
        .setJti(randomUUID())
        .setIssuedAt(iat)
        .setExpirationTime(iat + ASSERTION_LIFETIME_S)
        .sign(key);
      return { client_assertion_type: ASSERTION_TYPE, client_assertion: assertion };
    },
    redact: (text) => text,
  };
}

const KEY_HINT =
  'pass an RSA private key as a KeyObject (crypto.createPrivateKey(pem)), a CryptoKey for RSASSA-PKCS1-v1_5 ' +
  'SHA-256 with the "sign" usage, or a private JWK (kty "RSA" with "d"); assertions are signed with RS256';

/** Validates the private key now, so a wrong key fails at construction rather than at the first request. */
function signingKey(value: unknown, caller: string): { key: KeyObject | webcrypto.CryptoKey; kid: string | undefined } {
  if (value instanceof KeyObject) {
    if (value.type !== 'private' || value.asymmetricKeyType !== 'rsa') {
      throw new OptionsError(
        `${caller}: privateKey is a ${value.type} ${value.asymmetricKeyType ?? ''} key; ${KEY_HINT}`,
      );
    }
    return { key: value, kid: undefined };
  }
  if (value instanceof globalThis.CryptoKey) {
    const algorithm = value.algorithm as { name: string; hash?: { name: string } };
    if (
      value.type !== 'private' ||
      algorithm.name !== 'RSASSA-PKCS1-v1_5' ||
      algorithm.hash?.name !== 'SHA-256' ||
      !value.usages.includes('sign')
    ) {
      throw new OptionsError(`${caller}: privateKey is a CryptoKey that cannot sign RS256; ${KEY_HINT}`);
    }
    return { key: value, kid: undefined };
  }
  if (value && typeof value === 'object') {
    const jwk = value as JWK;
    if (jwk.kty !== 'RSA' || typeof jwk.d !== 'string') {
      throw new OptionsError(`${caller}: privateKey is not a private RSA JWK; ${KEY_HINT}`);
    }
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      // The key material is not quoted: it is the secret.
      throw new OptionsError(`${caller}: privateKey is a JWK that cannot be imported; ${KEY_HINT}`);
    }
    return { key, kid: typeof jwk.kid === 'string' ? jwk.kid : undefined };
  }
  throw new OptionsError(`${caller}: privateKey has an unsupported type; ${KEY_HINT}`);
}
