import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureLocalCertificates, TLS_FILES } from '../../src/tls/local-ca.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'authmesh-tls-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const DAY = 86_400_000;

describe('ensureLocalCertificates', () => {
  it('creates a CA and a localhost leaf that verifies against it', async () => {
    const tls = await ensureLocalCertificates(dir, { hostname: 'devbox' });
    expect(tls.created).toEqual({ ca: true, leaf: true });
    expect(tls.caCertPath).toBe(join(dir, 'ca.crt'));

    const ca = new X509Certificate(tls.caCert);
    const leaf = new X509Certificate(tls.cert);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('CN=authmesh local CA (devbox)');
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('::1')).toBe('::1');
    expect(leaf.checkHost('example.com')).toBeUndefined();
    expect(leaf.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // extKeyUsage serverAuth
    expect(leaf.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const leafDays = (leaf.validToDate.getTime() - leaf.validFromDate.getTime()) / DAY;
    expect(leafDays).toBeLessThanOrEqual(825);
    const caYears = (ca.validToDate.getTime() - ca.validFromDate.getTime()) / (365 * DAY);
    expect(caYears).toBeGreaterThan(9.9);
  });

  it('stores PEMs in the directory, private keys 0600, and reuses them on the next start', async () => {
    const first = await ensureLocalCertificates(dir);
    for (const name of [TLS_FILES.caKey, TLS_FILES.key]) {
      expect((await stat(join(dir, name))).mode & 0o777).toBe(0o600);
    }
    expect(await readFile(join(dir, TLS_FILES.caCert), 'utf8')).toBe(first.caCert);
    expect(await readFile(join(dir, TLS_FILES.cert), 'utf8')).toBe(first.cert);
    expect(await readFile(join(dir, TLS_FILES.key), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    const second = await ensureLocalCertificates(dir);
    expect(second.created).toEqual({ ca: false, leaf: false });
    expect(second.caCert).toBe(first.caCert);
    expect(second.cert).toBe(first.cert);
    expect(second.key).toBe(first.key);
  });

  it('reissues the leaf (same CA) when it expires within 30 days', async () => {
    const first = await ensureLocalCertificates(dir);
    const expiry = new X509Certificate(first.cert).validToDate.getTime();
    const later = await ensureLocalCertificates(dir, { now: new Date(expiry - 29 * DAY) });
    expect(later.created).toEqual({ ca: false, leaf: true });
    expect(later.caCert).toBe(first.caCert);
    expect(later.cert).not.toBe(first.cert);
    expect(new X509Certificate(later.cert).checkIssued(new X509Certificate(first.caCert))).toBe(true);
  });

  it('replaces a leaf not signed by the CA on disk, and a damaged CA together with its leaf', async () => {
    const first = await ensureLocalCertificates(dir);
    const other = await mkdtemp(join(tmpdir(), 'authmesh-tls-other-'));
    try {
      const foreign = await ensureLocalCertificates(other);
      await writeFile(join(dir, TLS_FILES.cert), foreign.cert);
      await writeFile(join(dir, TLS_FILES.key), foreign.key);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
    const fixed = await ensureLocalCertificates(dir);
    expect(fixed.created).toEqual({ ca: false, leaf: true });
    expect(new X509Certificate(fixed.cert).verify(new X509Certificate(first.caCert).publicKey)).toBe(true);

    await writeFile(join(dir, TLS_FILES.caCert), 'not a certificate');
    const fresh = await ensureLocalCertificates(dir);
    expect(fresh.created).toEqual({ ca: true, leaf: true });
    expect(new X509Certificate(fresh.cert).checkIssued(new X509Certificate(fresh.caCert))).toBe(true);
  });
});
