import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fixtureConfig, loginForCode } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/index.ts';
import { ALICE, CATALOG, openLoginPage, SPA, tokenRequest } from './helpers.ts';

/*
 * A copy of tenant.db (with its WAL) in the hands of someone else: the codes, refresh tokens, session
 * cookies and login transactions the tenant handed out appear nowhere in it, and nothing read from it
 * redeems at the token endpoint, while the real values still do.
 */

const dir = mkdtempSync(join(tmpdir(), 'authmesh-at-rest-'));
const copy = mkdtempSync(join(tmpdir(), 'authmesh-at-rest-copy-'));
let tenant: Tenant;

beforeAll(async () => {
  tenant = await createTenant({ config: fixtureConfig(), port: 0, dataDir: dir });
});
afterAll(async () => {
  await tenant?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(copy, { recursive: true, force: true });
});

async function login() {
  return loginForCode({
    issuer: tenant.issuer,
    clientId: SPA.clientId,
    redirectUri: SPA.redirectUri,
    ...ALICE,
    audience: CATALOG,
    scope: 'openid offline_access read:catalog',
  });
}

function redeemCode(code: string, verifier: string) {
  return tokenRequest(tenant.issuer, {
    grant_type: 'authorization_code',
    client_id: SPA.clientId,
    code,
    code_verifier: verifier,
    redirect_uri: SPA.redirectUri,
  });
}

function refresh(refreshToken: string) {
  return tokenRequest(tenant.issuer, {
    grant_type: 'refresh_token',
    client_id: SPA.clientId,
    refresh_token: refreshToken,
  });
}

/** Copies the database files as they are on disk now (the WAL holds the latest commits). */
function copyDatabase(): string {
  for (const suffix of ['', '-wal', '-shm']) {
    const from = join(dir, `tenant.db${suffix}`);
    if (existsSync(from)) copyFileSync(from, join(copy, `tenant.db${suffix}`));
  }
  return join(copy, 'tenant.db');
}

/** Every engine record of `model` in the copy: its id and every string inside its payload. */
function candidates(path: string, model: string): string[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare('SELECT id, payload FROM oidc_models WHERE model = ?').all(model);
    const values = new Set<string>();
    const collect = (value: unknown): void => {
      if (typeof value === 'string') values.add(value);
      else if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') Object.values(value).forEach(collect);
    };
    for (const row of rows) {
      values.add(String(row.id));
      collect(JSON.parse(String(row.payload)));
    }
    return [...values];
  } finally {
    db.close();
  }
}

describe('tenant.db at rest', () => {
  it('holds no code, refresh token, session cookie or login transaction, and what it holds redeems nothing', async () => {
    const unredeemed = await login();
    const redeemed = await login();
    const tokens = await redeemCode(redeemed.code, redeemed.verifier);
    expect(tokens.status).toBe(200);
    const refreshToken = String(tokens.json.refresh_token);
    const host = new URL(tenant.issuer).host;
    const sessionCookie = unredeemed.browser.cookie(host, '_session');
    expect(sessionCookie).toEqual(expect.any(String));
    // A login in progress for a browser that has a session: its record names that session too.
    const pending = await openLoginPage(tenant.issuer, unredeemed.browser, { prompt: 'login' });

    const path = copyDatabase();
    const bytes = Buffer.concat(
      ['', '-wal'].filter((s) => existsSync(`${path}${s}`)).map((s) => readFileSync(`${path}${s}`)),
    );
    for (const secret of [unredeemed.code, refreshToken, sessionCookie ?? '', pending.transaction]) {
      expect(bytes.includes(secret), 'a bearer value is readable in the database files').toBe(false);
    }

    const codes = candidates(path, 'AuthorizationCode');
    const refreshTokens = candidates(path, 'RefreshToken');
    // The records are there (one code unredeemed, one refresh token): only their values are not.
    expect(codes.length).toBeGreaterThan(0);
    expect(refreshTokens.length).toBeGreaterThan(0);
    // Some payload strings are not even token-shaped (invalid_request); none may yield tokens.
    for (const candidate of codes) {
      const reply = await redeemCode(candidate, unredeemed.verifier);
      expect(reply.status).not.toBe(200);
      expect(reply.json.error).toMatch(/^invalid_(grant|request)$/);
    }
    for (const candidate of refreshTokens) {
      const reply = await refresh(candidate);
      expect(reply.status).not.toBe(200);
      expect(reply.json.error).toMatch(/^invalid_(grant|request)$/);
    }

    // The values the tenant handed out still work: the records are found through their hash.
    expect((await refresh(refreshToken)).status).toBe(200);
    expect((await redeemCode(unredeemed.code, unredeemed.verifier)).status).toBe(200);
    const finished = await pending.browser.follow(pending.url, SPA.redirectUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...ALICE, csrf: pending.csrf, state: pending.transaction }),
    });
    expect(new URL(finished.url).searchParams.get('code')).toEqual(expect.any(String));
  });
});
