import { join } from 'node:path';
import { createTenant, loadTenantConfigFile, type Tenant } from '@authmesh/server';
import { pkcePair } from '@authmesh/testkit';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * What the corpus files mean at run time beyond their grants: wildcard callbacks allow one subdomain
 * level as Auth0 allows it, and a client without callbacks (Auth0's "Default App") ends a login attempt
 * on Auth0's "Callback URL mismatch" page.
 */
const HERE = import.meta.dirname;
let tenant: Tenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

async function start(file: string): Promise<Tenant> {
  tenant = await createTenant({ config: await loadTenantConfigFile(join(HERE, file), {}), port: 0, dataDir: null });
  return tenant;
}

function authorize(t: Tenant, clientName: string, redirectUri: string): Promise<Response> {
  const client = t.clients.find((c) => c.name === clientName);
  const url = new URL('authorize', t.issuer);
  url.search = new URLSearchParams({
    client_id: client?.client_id ?? '',
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid',
    state: 'corpus-state',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
  }).toString();
  return fetch(url, { redirect: 'manual' });
}

async function expectCallbackMismatch(response: Response): Promise<void> {
  expect(response.status).toBe(400);
  expect(response.headers.get('location')).toBeNull();
  expect(await response.text()).toMatch(/Callback URL mismatch/);
}

describe('corpus files at run time', () => {
  it('lets a wildcard callback stand for one subdomain level, as Auth0 does', async () => {
    const t = await start('yaml/06-wildcard-urls.yaml');
    for (const allowed of ['https://pr-42.preview.acme.test', 'https://marketing-git-main-acme.vercel.app']) {
      const response = await authorize(t, 'Marketing Site', allowed);
      expect(response.status, allowed).toBe(303);
      expect(response.headers.get('location'), allowed).toMatch(/\/login\?state=/);
    }
    for (const refused of [
      'https://a.b.preview.acme.test',
      'https://preview.acme.test',
      'https://pr-42.preview.acme.test/other',
      'https://evil.test/.preview.acme.test',
      'https://other-acme.vercel.app',
    ]) {
      await expectCallbackMismatch(await authorize(t, 'Marketing Site', refused));
    }
  });

  it('lets a browser page on a wildcard origin read the token endpoint’s answers, and no other', async () => {
    const t = await start('yaml/06-wildcard-urls.yaml');
    const client = t.clients.find((c) => c.name === 'Marketing Site');
    const tokenCall = (origin: string) =>
      fetch(new URL('oauth/token', t.issuer), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: client?.client_id ?? '',
          code: 'not-a-code',
          redirect_uri: 'https://pr-42.preview.acme.test',
          code_verifier: pkcePair().verifier,
        }),
      });
    const allowed = await tokenCall('https://pr-42.preview.acme.test');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://pr-42.preview.acme.test');
    const refused = await tokenCall('https://a.b.preview.acme.test');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a login for a client without callbacks with the Callback URL mismatch page', async () => {
    const t = await start('yaml/01-fresh-tenant-default-app.yaml');
    await expectCallbackMismatch(await authorize(t, 'Default App', 'http://localhost:3000/callback'));
  });
});
