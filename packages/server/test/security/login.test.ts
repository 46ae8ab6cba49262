import { hiddenInput, loginForCode, ScriptedBrowser } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import {
  ALICE,
  authorizeUrl,
  BOB,
  CATALOG,
  LocalAddressBrowser,
  type LoginPage,
  ORDERS,
  openLoginPage,
  SPA,
  startTenant,
  submitLogin,
  tokenRequest,
} from './helpers.ts';

/**
 * The login UI and session (docs/security.md, "Login and session", "Pages and headers"): clickjacking headers, login
 * CSRF, session fixation, enumeration, brute force; and which tokens /userinfo accepts.
 *
 * Only the brute-force test (last) uses alice: it leaves alice blocked from 127.0.0.1. Every other test
 * logs in as bob or as unknown users, so failures recorded here never reach bob's block threshold.
 */
let tenant: Tenant;
let issuer: string;
let host: string;

beforeAll(async () => {
  tenant = await startTenant();
  issuer = tenant.issuer;
  host = new URL(issuer).host;
});
afterAll(() => tenant?.close());

const CSP_NO_FRAMING = /(^|;)\s*frame-ancestors 'none'\s*(;|$)/;

function expectNoFraming(response: Response, label: string): void {
  expect(response.headers.get('content-security-policy') ?? '', label).toMatch(CSP_NO_FRAMING);
  expect(response.headers.get('x-frame-options'), label).toBe('DENY');
}

function credentials(page: LoginPage, user: { username: string; password: string }): Record<string, string> {
  return { ...user, csrf: page.csrf, state: page.transaction };
}

/** Redeems a code of the SPA. */
async function redeem(code: string, verifier: string) {
  const reply = await tokenRequest(issuer, {
    grant_type: 'authorization_code',
    client_id: SPA.clientId,
    code,
    code_verifier: verifier,
    redirect_uri: SPA.redirectUri,
  });
  expect(reply.status).toBe(200);
  return reply.json as { access_token: string; id_token: string };
}

function userinfo(token: string): Promise<Response> {
  return fetch(new URL('userinfo', issuer), { headers: { authorization: `Bearer ${token}` } });
}

describe('login page', () => {
  it("RFC 9700 §4.16: the login page has username/password inputs, a hidden csrf, CSP frame-ancestors 'none', X-Frame-Options DENY, no script", async () => {
    const page = await openLoginPage(issuer);
    expect(page.response.status).toBe(200);
    expect(page.response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.response.headers.get('cache-control')).toBe('no-store');
    expectNoFraming(page.response, 'login page');
    expect(page.html).toMatch(/<input[^>]*\sname="username"/);
    expect(page.html).toMatch(
      /<input[^>]*\sname="password"[^>]*type="password"|<input[^>]*type="password"[^>]*name="password"/,
    );
    expect(page.html).toMatch(/<input type="hidden" name="csrf" value="[^"]{20,}">/);
    // Works without JavaScript: a plain form POST to the same transaction, no script at all.
    expect(page.html).toMatch(/<form method="post" action="\/u\/login\?state=[^"]+"/);
    expect(page.html).not.toMatch(/<script/i);
    expect(new URL(page.url).pathname).toBe('/u/login');
  });

  it('RFC 9700 §4.16, §4.12: a plain form POST with the right credentials answers 303 (never 307) and reaches the callback', async () => {
    const page = await openLoginPage(issuer);
    const response = await submitLogin(page, credentials(page, BOB));
    await response.body?.cancel();
    expect(response.status).toBe(303);
    const next = response.headers.get('location') ?? '';
    expect(new URL(next, issuer).href.startsWith(issuer)).toBe(true);
    const { url } = await page.browser.follow(new URL(next, issuer), SPA.redirectUri);
    const callback = new URL(url);
    expect(`${callback.origin}${callback.pathname}`).toBe(SPA.redirectUri);
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(callback.searchParams.get('iss')).toBe(issuer);
  });
});

describe('no user enumeration', () => {
  it('wrong password and unknown user give the same status, headers and body (bar the echoed username)', async () => {
    const page = await openLoginPage(issuer);
    const unknown = 'nobody-here@example.test';
    const wrong = await submitLogin(page, credentials(page, { username: BOB.username, password: 'not the password' }));
    const missing = await submitLogin(page, credentials(page, { username: unknown, password: 'not the password' }));
    const [wrongBody, missingBody] = [await wrong.text(), await missing.text()];

    expect(wrong.status).toBe(400);
    expect(missing.status).toBe(wrong.status);
    expect(wrongBody).toContain('Wrong email or password.');
    expect(wrongBody.replaceAll(BOB.username, '<user>')).toBe(missingBody.replaceAll(unknown, '<user>'));
    const headers = (r: Response) =>
      [...r.headers].filter(([name]) => !['date', 'content-length'].includes(name)).map(([n, v]) => `${n}: ${v}`);
    expect(headers(missing)).toEqual(headers(wrong));
    expectNoFraming(wrong, 'failed login page');
  });

  it('an unknown user costs the same password-hash work as a wrong password (coarse timing)', async () => {
    // Not a statistical test: it catches a missing dummy hash (an unknown user answered ~50x faster).
    const page = await openLoginPage(issuer);
    const time = async (username: string) => {
      const start = performance.now();
      const response = await submitLogin(page, credentials(page, { username, password: 'not the password' }));
      await response.text();
      expect(response.status).toBe(400);
      return performance.now() - start;
    };
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 4; i++) {
      wrong.push(await time(BOB.username));
      unknown.push(await time(`nobody-${i}@example.test`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.3);
  });
});

describe('login CSRF', () => {
  it('a POST without the csrf token → 403, no session', async () => {
    const page = await openLoginPage(issuer);
    const response = await submitLogin(page, { ...BOB, state: page.transaction });
    await response.body?.cancel();
    expect(response.status).toBe(403);
    expect(response.headers.get('location')).toBeNull();
    expect(page.browser.cookie(host, '_session')).toBeUndefined();
  });

  it('a POST with an empty or forged csrf token → 403', async () => {
    const page = await openLoginPage(issuer);
    for (const csrf of ['', 'x', page.csrf.slice(0, -1), `${page.csrf}x`, page.transaction]) {
      const response = await submitLogin(page, { ...BOB, csrf, state: page.transaction });
      await response.body?.cancel();
      expect(response.status, `csrf=${csrf}`).toBe(403);
    }
  });

  it('a POST with the csrf token of another transaction → 403', async () => {
    const mine = await openLoginPage(issuer);
    const other = await openLoginPage(issuer);
    expect(other.csrf).not.toBe(mine.csrf);
    const response = await submitLogin(mine, { ...BOB, csrf: other.csrf, state: mine.transaction });
    await response.body?.cancel();
    expect(response.status).toBe(403);
    expect(mine.browser.cookie(host, '_session')).toBeUndefined();
  });

  it('a POST with Origin: http://evil.example (or null) → 403, even with a valid csrf token', async () => {
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${tenant.port}`]) {
      const page = await openLoginPage(issuer);
      const response = await submitLogin(page, credentials(page, BOB), { origin });
      await response.body?.cancel();
      expect(response.status, origin).toBe(403);
      expect(page.browser.cookie(host, '_session'), origin).toBeUndefined();
    }
  });

  it('control: a POST with the tenant’s own Origin is accepted', async () => {
    const page = await openLoginPage(issuer);
    const response = await submitLogin(page, credentials(page, BOB), { origin: new URL(issuer).origin });
    await response.body?.cancel();
    expect(response.status).toBe(303);
  });

  it('a POST without the interaction cookie (fresh browser) → 400 expired page, no redirect', async () => {
    const page = await openLoginPage(issuer);
    const response = await submitLogin(page, credentials(page, BOB), {}, new ScriptedBrowser());
    const body = await response.text();
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(body).toMatch(/expired/i);
    expectNoFraming(response, 'expired page');
  });

  it("another browser's transaction cannot be completed, even with its own cookie and that transaction's csrf", async () => {
    const victim = await openLoginPage(issuer);
    const attacker = await openLoginPage(issuer);
    // The attacker's browser (its own interaction cookie) posts to the victim's transaction.
    const response = await submitLogin(victim, credentials(victim, BOB), {}, attacker.browser);
    await response.body?.cancel();
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });
});

describe('session cookie', () => {
  it('no session cookie before login; a session cookie after it', async () => {
    const page = await openLoginPage(issuer);
    expect(page.browser.cookie(host, '_session')).toBeUndefined();
    const response = await submitLogin(page, credentials(page, BOB));
    await response.body?.cancel();
    expect(response.status).toBe(303);
    await page.browser.follow(new URL(response.headers.get('location') ?? '', issuer), SPA.redirectUri);
    expect(page.browser.cookie(host, '_session')).toMatch(/^[\w-]{20,}$/);
  });

  it('re-authentication issues a new session id, and the old one no longer authenticates', async () => {
    const first = await loginForCode({ issuer, clientId: SPA.clientId, redirectUri: SPA.redirectUri, ...BOB });
    const browser = first.browser;
    const old = { id: browser.cookie(host, '_session'), sig: browser.cookie(host, '_session.sig') };
    expect(old.id).toBeDefined();

    await loginForCode({
      issuer,
      clientId: SPA.clientId,
      redirectUri: SPA.redirectUri,
      ...BOB,
      browser,
      extraParams: { prompt: 'login' },
    });
    const renewed = { id: browser.cookie(host, '_session'), sig: browser.cookie(host, '_session.sig') };
    expect(renewed.id).toBeDefined();
    expect(renewed.id).not.toBe(old.id);

    const silent = (cookie: { id?: string; sig?: string }) =>
      fetch(
        authorizeUrl(issuer, {
          client_id: SPA.clientId,
          response_type: 'code',
          redirect_uri: SPA.redirectUri,
          scope: 'openid',
          state: 'silent',
          prompt: 'none',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
        }),
        { redirect: 'manual', headers: { cookie: `_session=${cookie.id}; _session.sig=${cookie.sig}` } },
      ).then((r) => new URL(r.headers.get('location') ?? '', issuer));

    const withOld = await silent(old);
    expect(withOld.searchParams.get('error')).toBe('login_required');
    expect(withOld.searchParams.has('code')).toBe(false);
    const withNew = await silent(renewed);
    expect(withNew.searchParams.get('code')).toBeTruthy();
  });
});

describe('/userinfo', () => {
  let tokens: { access_token: string; id_token: string };

  beforeAll(async () => {
    const { code, verifier } = await loginForCode({
      issuer,
      clientId: SPA.clientId,
      redirectUri: SPA.redirectUri,
      ...BOB,
      scope: 'openid profile email read:catalog',
      audience: CATALOG,
    });
    tokens = await redeem(code, verifier);
  });

  it('RFC 8725 §3.12 (control): the access token from the login works at /userinfo and returns the profile', async () => {
    const response = await userinfo(tokens.access_token);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const profile = (await response.json()) as Record<string, unknown>;
    const bob = tenant.users.find((u) => u.email === BOB.username);
    expect(profile.sub).toBe(bob?.user_id);
    expect(profile.email).toBe(BOB.username);
    expect(profile.name).toBe('Bob Staff');
  });

  it('RFC 8725 §3.12: an ID token used as Bearer at /userinfo → 401 invalid_token', async () => {
    const response = await userinfo(tokens.id_token);
    const body = await response.text();
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate') ?? '').toMatch(/^Bearer .*error="invalid_token"/);
    expect(body).not.toContain(BOB.username);
  });

  it('RFC 9068 §3: an M2M access token (no userinfo audience) at /userinfo → 401', async () => {
    const m2m = await tokenRequest(issuer, {
      grant_type: 'client_credentials',
      client_id: ORDERS.clientId,
      client_secret: ORDERS.clientSecret,
      audience: CATALOG,
    });
    const response = await userinfo(m2m.json.access_token as string);
    await response.body?.cancel();
    expect(response.status).toBe(401);
  });

  it('RFC 8725 §3.1: an access token with a wrong signature → 401 with WWW-Authenticate invalid_token', async () => {
    const [h, p, s] = tokens.access_token.split('.') as [string, string, string];
    const signature = Buffer.from(s, 'base64url');
    signature[10] = (signature[10] ?? 0) ^ 0xff;
    const forgedSignature = `${h}.${p}.${signature.toString('base64url')}`;
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    claims.sub = 'auth0|someone-else';
    const forgedClaims = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    for (const [label, token] of [
      ['flipped signature byte', forgedSignature],
      ['edited payload', forgedClaims],
      ['alg none', none],
    ] as const) {
      const response = await userinfo(token);
      const body = await response.text();
      expect(response.status, label).toBe(401);
      expect(response.headers.get('www-authenticate') ?? '', label).toMatch(/error="invalid_token"/);
      expect(body, label).not.toContain(BOB.username);
    }
  });
});

describe('brute force (runs last: blocks alice from 127.0.0.1)', () => {
  it('10 wrong passwords for alice from 127.0.0.1 → the 11th attempt, with the RIGHT password, is refused 429 with a generic message', async () => {
    const page = await openLoginPage(issuer);
    for (let attempt = 1; attempt <= 10; attempt++) {
      const response = await submitLogin(
        page,
        credentials(page, { username: ALICE.username, password: `wrong ${attempt}` }),
      );
      await response.body?.cancel();
      expect(response.status, `attempt ${attempt}`).toBe(400);
    }
    const right = await submitLogin(page, credentials(page, ALICE));
    const rightBody = await right.text();
    expect(right.status).toBe(429);
    expect(right.headers.get('location')).toBeNull();
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(page.browser.cookie(host, '_session')).toBeUndefined();
    expectNoFraming(right, 'blocked page');
    expect(rightBody).not.toContain('Wrong email or password');

    // Generic: the refusal does not tell a right password from a wrong one.
    const wrong = await submitLogin(page, credentials(page, { username: ALICE.username, password: 'still wrong' }));
    const wrongBody = await wrong.text();
    expect(wrong.status).toBe(429);
    expect(wrongBody).toBe(rightBody);

    // The block is per (identifier, IP): the letter case of the identifier does not get around it.
    const upper = await submitLogin(page, credentials(page, { ...ALICE, username: ALICE.username.toUpperCase() }));
    await upper.body?.cancel();
    expect(upper.status).toBe(429);

    // …and another user from the same IP is not blocked.
    const other = await openLoginPage(issuer);
    const bob = await submitLogin(other, credentials(other, BOB));
    await bob.body?.cancel();
    expect(bob.status).toBe(303);
  });

  it('alice from another IP (127.0.0.2) is not blocked', async () => {
    const browser = new LocalAddressBrowser('127.0.0.2');
    const authorize = authorizeUrl(issuer, {
      client_id: SPA.clientId,
      response_type: 'code',
      redirect_uri: SPA.redirectUri,
      scope: 'openid',
      state: 'other-ip',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const { reply: page, url } = await browser.follow(authorize, SPA.redirectUri);
    expect(page.status).toBe(200);
    const csrf = hiddenInput(page.body, 'csrf') ?? '';
    const transaction = hiddenInput(page.body, 'state') ?? '';
    const submitted = await browser.request(url, { method: 'POST', form: { ...ALICE, csrf, state: transaction } });
    expect(submitted.status).toBe(303);
    const { url: callback } = await browser.follow(new URL(submitted.headers.location ?? '', issuer), SPA.redirectUri);
    expect(new URL(callback).searchParams.get('code')).toBeTruthy();
  });
});
