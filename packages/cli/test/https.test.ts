import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess, EXAMPLE_CONFIG, freePort, killLeftovers, NOISE, within } from './support/cli.ts';

let data: string;
beforeAll(async () => {
  data = await mkdtemp(join(tmpdir(), 'authmesh-cli-https-'));
});
afterEach(killLeftovers);
afterAll(() => rm(data, { recursive: true, force: true }));

/** GET over HTTPS with `ca` as the only trusted root (or the system's when undefined). */
function httpsGet(url: string, ca: string | undefined): Promise<{ status: number; body: string }> {
  return within(
    new Promise((resolve, reject) => {
      const req = request(url, { ...(ca ? { ca } : {}) }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.once('error', reject);
      req.end();
    }),
    10_000,
    `GET ${url}`,
  );
}

describe('authmesh dev --https', () => {
  it('serves the tenant on https://localhost:<port>/ and prints how to trust the local CA', async () => {
    const port = await freePort();
    const cli = new CliProcess(['dev', '--config', EXAMPLE_CONFIG, '--https', '--port', String(port), '--data', data]);
    const banner = await cli.banner();
    const caPath = join(data, 'tls', 'ca.crt');

    expect(banner.issuer).toBe(`https://localhost:${port}/`);
    expect(banner.listening).toBe(`https://127.0.0.1:${port}`);
    expect(cli.stdout).toContain(`export NODE_EXTRA_CA_CERTS=${caPath}`);
    expect(cli.stdout).toContain(`certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n authmesh -i ${caPath}`);
    expect(cli.stdout).not.toContain('PRIVATE KEY');
    for (const noise of NOISE) expect(cli.output).not.toContain(noise);

    const ca = await readFile(caPath, 'utf8');
    const trusted = await httpsGet(`${banner.issuer}.well-known/openid-configuration`, ca);
    expect(trusted.status).toBe(200);
    expect(JSON.parse(trusted.body)).toMatchObject({
      issuer: banner.issuer,
      token_endpoint: `${banner.issuer}oauth/token`,
    });

    // Not trusting the CA is the failure users hit before following the printed advice.
    await expect(httpsGet(`${banner.issuer}.well-known/openid-configuration`, undefined)).rejects.toMatchObject({
      code: expect.stringMatching(
        /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/,
      ),
    });
    expect(await cli.stop('SIGINT')).toEqual({ code: 0, signal: null });

    // A second start reuses the CA the user already trusted.
    const again = new CliProcess([
      'dev',
      '--config',
      EXAMPLE_CONFIG,
      '--https',
      '--port',
      String(port),
      '--data',
      data,
    ]);
    await again.banner();
    expect(await readFile(caPath, 'utf8')).toBe(ca);
    expect(again.stdout).not.toContain('(new)');
    expect((await httpsGet(`https://localhost:${port}/.well-known/openid-configuration`, ca)).status).toBe(200);
    expect(await again.stop('SIGINT')).toEqual({ code: 0, signal: null });
  }, 60_000);
});
