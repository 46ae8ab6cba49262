import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, tightenFileIfPresent } from '../storage/private-files.ts';
import { issueCa, issueLeaf, type PemPair } from './issue.ts';

/** A leaf expiring within this many days is replaced on start, so that a running tenant never expires. */
const RENEW_WITHIN_DAYS = 30;

/** File names under `<dataDir>/tls/`. */
export const TLS_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  cert: 'localhost.crt',
  key: 'localhost.key',
} as const;

export interface LocalCertificates {
  /** Absolute path of the CA certificate: what users trust (`NODE_EXTRA_CA_CERTS`, the browser). */
  caCertPath: string;
  /** The CA certificate (PEM), for clients that take a `ca` option. */
  caCert: string;
  /** The server certificate and key (PEM), for `createTenant({ https })`. */
  cert: string;
  key: string;
  /** What this call generated; false means reused from disk. */
  created: { ca: boolean; leaf: boolean };
}

export interface EnsureOptions {
  /** Clock, for tests of renewal. Default now. */
  now?: Date;
  /** Names the CA so that users can tell machines apart in a trust store. Default `os.hostname()`. */
  hostname?: string;
}

/**
 * Ensures a local CA and a `localhost` server certificate in `dir` (usually `<dataDir>/tls`): creates
 * them on first use and reuses them later, so that the CA users trusted once stays trusted. The leaf is
 * reissued when missing, expiring within 30 days, or not signed by the CA on disk. The directory is 0700
 * and every file in it 0600, whatever the umask (the CA key can sign certificates for any name the user's
 * browser trusts); keys are never printed.
 */
export async function ensureLocalCertificates(dir: string, options: EnsureOptions = {}): Promise<LocalCertificates> {
  const now = options.now ?? new Date();
  const path = (name: keyof typeof TLS_FILES) => join(dir, TLS_FILES[name]);
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  // `mode` above is for a new directory only; one made by an older version may be wider.
  await chmod(dir, PRIVATE_DIR_MODE);

  let ca = await readPair(path('caCert'), path('caKey'));
  const createCa = ca === undefined || expiresWithin(ca.cert, now, RENEW_WITHIN_DAYS);
  if (createCa || ca === undefined) {
    ca = await issueCa(`authmesh local CA (${options.hostname ?? hostname()})`, now);
    await writePair(ca, path('caCert'), path('caKey'));
  }
  let leaf = createCa ? undefined : await readPair(path('cert'), path('key'));
  const createLeaf = leaf === undefined || expiresWithin(leaf.cert, now, RENEW_WITHIN_DAYS) || !issuedBy(leaf, ca);
  if (createLeaf || leaf === undefined) {
    leaf = await issueLeaf(ca, now);
    await writePair(leaf, path('cert'), path('key'));
  }
  // Files reused from an older version may have been written wider (the certificates were 0644).
  for (const name of Object.keys(TLS_FILES) as (keyof typeof TLS_FILES)[]) tightenFileIfPresent(path(name));
  return {
    caCertPath: path('caCert'),
    caCert: ca.cert,
    cert: leaf.cert,
    key: leaf.key,
    created: { ca: createCa, leaf: createLeaf },
  };
}

async function readPair(certPath: string, keyPath: string): Promise<PemPair | undefined> {
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    new X509Certificate(cert); // unreadable files are replaced rather than served
    return { cert, key };
  } catch {
    return undefined;
  }
}

async function writePair(pair: PemPair, certPath: string, keyPath: string): Promise<void> {
  // The key first: a cert without its key is useless, the reverse is regenerated next start anyway.
  for (const [path, pem] of [
    [keyPath, pair.key],
    [certPath, pair.cert],
  ] as const) {
    await writeFile(path, pem, { mode: PRIVATE_FILE_MODE });
    // `mode` applies to new files only; an existing file keeps its permissions unless reset.
    await chmod(path, PRIVATE_FILE_MODE);
  }
}

function expiresWithin(pem: string, now: Date, days: number): boolean {
  return new X509Certificate(pem).validToDate.getTime() - now.getTime() < days * 86_400_000;
}

function issuedBy(leaf: PemPair, ca: PemPair): boolean {
  const caCert = new X509Certificate(ca.cert);
  const cert = new X509Certificate(leaf.cert);
  return cert.checkIssued(caCert) && cert.verify(caCert.publicKey);
}
