import { loginForCode, ScriptedBrowser } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import { ADMIN, api, freePort, managementConfig, managementToken } from '../management/support.ts';
import { ALICE, decodeJwt, SPA, tokenRequest } from '../security/helpers.ts';

/*
 * What the engine itself does with keys that change while it runs: ID tokens are signed by the current key
 * before and after a rotation, and an ID token signed by the previous key is still accepted as an
 * `id_token_hint` (the engine verifies it with the previous key, still published) until that key is revoked.
 */

const DELAY_MS = 60_000;
const BASE_URL = 'http://localhost:5173';
let clockMs = Date.now();
let tenant: Tenant;
let issuer: string;

beforeAll(async () => {
  const port = await freePort();
  issuer = `http://localhost:${port}/`;
  tenant = await createTenant({
    config: managementConfig(issuer),
    port,
    issuer,
    dataDir: null,
    keyRotation: { delayMs: DELAY_MS, now: () => clockMs },
  });
});
afterAll(() => tenant?.close());

async function loginIdToken(browser: ScriptedBrowser): Promise<string> {
  const flow = await loginForCode({ issuer, clientId: SPA.clientId, redirectUri: SPA.redirectUri, ...ALICE, browser });
  const reply = await tokenRequest(issuer, {
    grant_type: 'authorization_code',
    client_id: SPA.clientId,
    code: flow.code,
    code_verifier: flow.verifier,
    redirect_uri: SPA.redirectUri,
  });
  expect(reply.status, reply.text).toBe(200);
  return reply.json.id_token as string;
}

/** Whether the logout page with `idToken` as hint logs out at once (the hint verified) or asks first. */
async function hintAccepted(browser: ScriptedBrowser, idToken: string): Promise<{ status: number; atOnce: boolean }> {
  const url = new URL('oidc/logout', issuer);
  url.searchParams.set('id_token_hint', idToken);
  url.searchParams.set('post_logout_redirect_uri', BASE_URL);
  const page = await browser.request(url);
  const html = await page.text();
  return { status: page.status, atOnce: page.status === 200 && html.includes('document.forms[0].submit()') };
}

describe('the engine across a key rotation', () => {
  it('signs ID tokens with the current key and accepts a previous-key id_token_hint until the key is revoked', async () => {
    // Two sessions opened before the rotation, with ID tokens the first key signed.
    const first = new ScriptedBrowser();
    const oldIdToken = await loginIdToken(first);
    const third = new ScriptedBrowser();
    const anotherOld = await loginIdToken(third);
    const oldKid = decodeJwt(oldIdToken).header.kid as string;
    expect(decodeJwt(anotherOld).header.kid).toBe(oldKid);

    const admin = await managementToken(issuer, ADMIN);
    const rotated = await api(issuer, 'POST', '/keys/signing/rotate', { token: admin });
    expect(rotated.status).toBe(201);
    const nextKid = (rotated.json as { kid: string }).kid;
    clockMs += DELAY_MS;

    const second = new ScriptedBrowser();
    const newIdToken = await loginIdToken(second);
    expect(decodeJwt(newIdToken).header.kid).toBe(nextKid);
    expect(await hintAccepted(first, oldIdToken)).toEqual({ status: 200, atOnce: true });

    const revoked = await api(issuer, 'PUT', `/keys/signing/${encodeURIComponent(oldKid)}/revoke`, {
      token: await managementToken(issuer, ADMIN),
    });
    expect(revoked.status).toBe(200);
    expect(await hintAccepted(third, anotherOld)).toEqual({ status: 400, atOnce: false });
    expect(await hintAccepted(second, newIdToken)).toEqual({ status: 200, atOnce: true });
  });
});
