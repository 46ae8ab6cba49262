import { createHash, webcrypto } from 'node:crypto';
import type { SigningJwk } from '../tenant/keys.ts';
import { phaseOf, type SigningKeySet, type StoredSigningKey } from '../tenant/signing-key-set.ts';
import { loadX509 } from '../tls/x509.ts';

/** A signing key in Auth0's shape (`GET /api/v2/keys/signing`). */
export interface SigningKeyView {
  kid: string;
  cert: string;
  pkcs7: string;
  fingerprint: string;
  thumbprint: string;
  current: boolean;
  next: boolean;
  previous: boolean;
  current_since?: string;
  current_until?: string;
  revoked: boolean;
  revoked_at?: string;
}

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const TEN_YEARS_MS = 3_650 * 86_400_000;
/** Certificates are pure functions of the key: each process makes the same one, none is stored. */
const certificates = new Map<string, Promise<string>>();

/** How `key` looks to Auth0 clients at `now`, its certificate included. */
export async function viewSigningKey(
  set: SigningKeySet,
  key: StoredSigningKey,
  now: number,
  issuer: string,
): Promise<SigningKeyView> {
  const cert = await certificateOf(key, issuer);
  const der = Buffer.from(cert.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  const sha1 = createHash('sha1').update(der).digest('hex').toUpperCase();
  const phase = phaseOf(set, key, now);
  // Auth0's `current_until` is when a key stopped being current: the activation of the key after it.
  const successor = set.keys
    .filter((k) => k.activates_at > key.activates_at && k.revoked_at === undefined && k.activates_at <= now)
    .sort((a, b) => a.activates_at - b.activates_at)[0];
  return {
    kid: key.jwk.kid,
    cert,
    pkcs7: await pkcs7Of(cert),
    fingerprint: sha1.match(/../g)?.join(':') ?? sha1,
    thumbprint: sha1,
    current: phase === 'current',
    next: phase === 'next',
    previous: phase === 'previous',
    ...(key.activates_at <= now ? { current_since: new Date(key.activates_at || key.created_at).toISOString() } : {}),
    ...(successor ? { current_until: new Date(successor.activates_at).toISOString() } : {}),
    revoked: key.revoked_at !== undefined,
    ...(key.revoked_at !== undefined ? { revoked_at: new Date(key.revoked_at).toISOString() } : {}),
  };
}

/** A self-signed X.509 certificate of the key, as Auth0 publishes one per signing key (`x5c` users want it). */
function certificateOf(key: StoredSigningKey, issuer: string): Promise<string> {
  let cert = certificates.get(key.jwk.kid);
  if (!cert) {
    cert = selfSign(key.jwk, new URL(issuer).hostname, new Date(key.created_at));
    certificates.set(key.jwk.kid, cert);
  }
  return cert;
}

async function selfSign(jwk: SigningJwk, hostname: string, notBefore: Date): Promise<string> {
  const x509 = await loadX509();
  const { kty, n, e } = jwk;
  const publicKey = await webcrypto.subtle.importKey('jwk', { kty, n, e }, RSA, true, ['verify']);
  const privateKey = await webcrypto.subtle.importKey('jwk', { ...jwk }, RSA, false, ['sign']);
  // RSASSA-PKCS1-v1_5 is deterministic and the serial comes from the kid: every process issues the same bytes.
  const serial = createHash('sha256').update(jwk.kid).digest('hex').slice(0, 30);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: `01${serial}`,
    name: [{ CN: [hostname] }],
    keys: { publicKey, privateKey },
    notBefore,
    notAfter: new Date(notBefore.getTime() + TEN_YEARS_MS),
    signingAlgorithm: RSA,
  });
  return cert.toString('pem');
}

async function pkcs7Of(cert: string): Promise<string> {
  const x509 = await loadX509();
  return new x509.X509Certificates([new x509.X509Certificate(cert)]).export('pem');
}
