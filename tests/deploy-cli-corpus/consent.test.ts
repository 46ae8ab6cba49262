import { createTenant, parseTenantConfig, type Tenant } from '@authmesh/server';
import { hiddenInput, pkcePair, ScriptedBrowser } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Third-party applications (`is_first_party: false`, as Deploy CLI exports carry them) see Auth0's
 * consent page before they get a code; first-party applications never do. Accepting is remembered for
 * that user and application; declining answers `access_denied` to the application.
 */
const PARTNER_CALLBACK = 'https://partner.example.org/callback';
const OWN_CALLBACK = 'http://localhost:3000/callback';
const PASSWORD = 'correct horse battery staple 7';

let tenant: Tenant;
beforeAll(async () => {
  const config = parseTenantConfig(
    [
      'clients:',
      '  - { name: Partner Dashboard, app_type: regular_web, is_first_party: false, callbacks: [' +
        `"${PARTNER_CALLBACK}"], grant_types: [authorization_code] }`,
      `  - { name: Own Web, app_type: regular_web, callbacks: ["${OWN_CALLBACK}"], grant_types: [authorization_code] }`,
      'users:',
      `  - { email: ada@example.com, password: "${PASSWORD}" }`,
      `  - { email: bob@example.com, password: "${PASSWORD}" }`,
      `  - { email: carol@example.com, password: "${PASSWORD}" }`,
    ].join('\n'),
    '<consent>',
  );
  tenant = await createTenant({ config, port: 0, dataDir: null });
});
afterAll(() => tenant?.close());

function authorizeUrl(clientName: string, redirectUri: string, extra: Record<string, string> = {}): URL {
  const client = tenant.clients.find((c) => c.name === clientName);
  const url = new URL('authorize', tenant.issuer);
  url.search = new URLSearchParams({
    client_id: client?.client_id ?? '',
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid profile email',
    state: 'consent-state',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return url;
}

/** Logs in on the login page and returns where the browser ends up (the consent page, or the callback). */
async function logIn(browser: ScriptedBrowser, clientName: string, redirectUri: string, email: string) {
  const first = await browser.follow(authorizeUrl(clientName, redirectUri), redirectUri);
  const page = await first.response.text();
  return browser.follow(first.url, redirectUri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      username: email,
      password: PASSWORD,
      csrf: hiddenInput(page, 'csrf') ?? '',
      state: hiddenInput(page, 'state') ?? '',
    }),
  });
}

async function answerConsent(browser: ScriptedBrowser, at: { response: Response; url: string }, action: string) {
  const page = await at.response.text();
  expect(page).toMatch(/Authorize Partner Dashboard/);
  expect(page).toMatch(/<code>email<\/code>/);
  return browser.follow(at.url, PARTNER_CALLBACK, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(tenant.issuer).origin },
    body: new URLSearchParams({ csrf: hiddenInput(page, 'csrf') ?? '', action }),
  });
}

describe('consent for third-party applications', () => {
  it('asks once, then remembers the answer for that user and application', async () => {
    const browser = new ScriptedBrowser();
    const consent = await logIn(browser, 'Partner Dashboard', PARTNER_CALLBACK, 'ada@example.com');
    expect(consent.response.status).toBe(200);
    expect(consent.url).not.toContain(PARTNER_CALLBACK);
    const accepted = await answerConsent(browser, consent, 'accept');
    expect(new URL(accepted.url).searchParams.get('code')).toBeTruthy();

    const again = await browser.follow(authorizeUrl('Partner Dashboard', PARTNER_CALLBACK), PARTNER_CALLBACK);
    expect(again.url.startsWith(PARTNER_CALLBACK)).toBe(true);
    expect(new URL(again.url).searchParams.get('code')).toBeTruthy();
  });

  it('answers access_denied to the application when the user declines', async () => {
    const browser = new ScriptedBrowser();
    const consent = await logIn(browser, 'Partner Dashboard', PARTNER_CALLBACK, 'bob@example.com');
    const declined = await answerConsent(browser, consent, 'decline');
    const callback = new URL(declined.url);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_description')).toBe('User did not authorize the request');
    expect(callback.searchParams.get('code')).toBeNull();
  });

  it('answers consent_required to prompt=none before the user consented', async () => {
    const browser = new ScriptedBrowser();
    await logIn(browser, 'Own Web', OWN_CALLBACK, 'carol@example.com');
    const silent = await browser.follow(
      authorizeUrl('Partner Dashboard', PARTNER_CALLBACK, { prompt: 'none' }),
      PARTNER_CALLBACK,
    );
    expect(new URL(silent.url).searchParams.get('error')).toBe('consent_required');
  });

  it('never asks for a first-party application', async () => {
    const browser = new ScriptedBrowser();
    const done = await logIn(browser, 'Own Web', OWN_CALLBACK, 'bob@example.com');
    expect(done.url.startsWith(OWN_CALLBACK)).toBe(true);
    expect(new URL(done.url).searchParams.get('code')).toBeTruthy();
  });
});
