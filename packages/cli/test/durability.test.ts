import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type LoginFlowResult, loginForCode, pkcePair } from '@authmesh/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Banner,
  CATALOG,
  CliProcess,
  CUSTOMER,
  clientCredentials,
  clientNamed,
  decodeJwt,
  EXAMPLE_CONFIG,
  jwksKids,
  killLeftovers,
  NOISE,
  SPA,
  STAFF,
  tokenRequest,
  tryConnect,
  within,
} from './support/cli.ts';

const USER_SCOPE = 'openid profile email offline_access read:products';
/** Concurrent client-credentials loops and login loops of the burst. */
const CC_LOOPS = 8;
const LOGIN_LOOPS = 3;
/** SIGKILL once this many token responses have succeeded (and every login loop has completed a login). */
const KILL_AFTER = 50;

let data: string | undefined;
afterAll(async () => {
  await killLeftovers();
  if (data) await rm(data, { recursive: true, force: true });
});

/** A full SPA login (authorize → login form → callback) and the code exchange, as auth0-spa-js does it. */
async function loginAndRedeem(issuer: string, user: { username: string; password: string }) {
  const login = await loginForCode({
    issuer,
    clientId: SPA.clientId,
    redirectUri: SPA.redirectUri,
    ...user,
    scope: USER_SCOPE,
    audience: CATALOG,
  });
  const tokens = await redeem(issuer, login);
  return { login, tokens };
}

function redeem(issuer: string, login: Pick<LoginFlowResult, 'code' | 'verifier'>) {
  return tokenRequest(issuer, {
    grant_type: 'authorization_code',
    client_id: SPA.clientId,
    code: login.code,
    code_verifier: login.verifier,
    redirect_uri: SPA.redirectUri,
  });
}

function refresh(issuer: string, refreshToken: string) {
  return tokenRequest(issuer, { grant_type: 'refresh_token', client_id: SPA.clientId, refresh_token: refreshToken });
}

interface BurstResult {
  succeeded: number;
  logins: number;
  inFlightAtKill: number;
  /** Refresh tokens whose token response arrived before the SIGKILL: they were committed. */
  refreshTokens: string[];
  /** Anything that went wrong before the SIGKILL (none expected). */
  failuresBeforeKill: string[];
  failuresAfterKill: number;
}

/**
 * Runs client-credentials and login loops against the tenant; the moment `KILL_AFTER` token responses have
 * succeeded (and each login loop has logged in once), SIGKILLs the process, while the other loops' requests
 * are in flight. Resolves once every loop has seen its in-flight request fail and stopped.
 */
async function burstThenKill(cli: CliProcess, banner: Banner): Promise<BurstResult> {
  const { issuer } = banner;
  const result: BurstResult = {
    succeeded: 0,
    logins: 0,
    inFlightAtKill: 0,
    refreshTokens: [],
    failuresBeforeKill: [],
    failuresAfterKill: 0,
  };
  let killed = false;
  let inFlight = 0;
  const loginsPerLoop = new Array<number>(LOGIN_LOOPS).fill(0);

  const succeeded = () => {
    result.succeeded++;
    if (!killed && result.succeeded >= KILL_AFTER && loginsPerLoop.every((n) => n > 0)) {
      killed = true;
      result.inFlightAtKill = inFlight;
      cli.child.kill('SIGKILL');
    }
  };
  const failed = (what: string) => {
    if (killed) result.failuresAfterKill++;
    else result.failuresBeforeKill.push(what);
  };
  const tracked = async <T>(work: () => Promise<T>): Promise<T> => {
    inFlight++;
    try {
      return await work();
    } finally {
      inFlight--;
    }
  };

  const clients = ['Orders Service', 'Inventory Service'].map((name) => clientNamed(banner, name));
  const ccLoop = async (i: number) => {
    const client = clients[i % clients.length]!;
    while (!killed) {
      try {
        const answer = await tracked(() => clientCredentials(issuer, client, CATALOG));
        if (killed) break;
        if (answer.status === 200) succeeded();
        else failed(`client credentials: ${answer.status} ${answer.text}`);
      } catch (error) {
        failed(`client credentials: ${(error as Error).message}`);
      }
    }
  };
  const loginLoop = async (i: number) => {
    const user = i % 2 === 0 ? CUSTOMER : STAFF;
    while (!killed) {
      try {
        const { tokens } = await tracked(() => loginAndRedeem(issuer, user));
        if (killed) break;
        if (tokens.status === 200 && typeof tokens.json.refresh_token === 'string') {
          result.logins++;
          loginsPerLoop[i] = (loginsPerLoop[i] ?? 0) + 1;
          result.refreshTokens.push(tokens.json.refresh_token);
          succeeded();
        } else failed(`login: ${tokens.status} ${tokens.text}`);
      } catch (error) {
        failed(`login: ${(error as Error).message}`);
      }
    }
  };

  const loops = [
    ...Array.from({ length: CC_LOOPS }, (_, i) => ccLoop(i)),
    ...Array.from({ length: LOGIN_LOOPS }, (_, i) => loginLoop(i)),
  ];
  // Before the kill a failure does not stop a loop; if the kill never comes, the bound below reports it.
  await within(
    cli.exited,
    60_000,
    () =>
      `the SIGKILL after ${KILL_AFTER} successful token responses (so far ${result.succeeded}, ` +
      `logins ${result.logins}, failures ${result.failuresBeforeKill.slice(0, 3).join(' | ')})`,
  );
  killed = true; // also stops the loops if the process died on its own
  await within(Promise.all(loops), 30_000, 'the burst loops to stop after the SIGKILL');
  return result;
}

describe('kill -9 during a burst of logins and client-credentials requests', () => {
  it('after a restart, earlier sessions and refresh tokens still work and the database is intact', async () => {
    data = await mkdtemp(join(tmpdir(), 'authmesh-durability-'));

    // First run, on a port the OS picks.
    const first = new CliProcess(['dev', '--config', EXAMPLE_CONFIG, '--port', '0', '--data', data]);
    const before = await first.banner();
    const { issuer, port } = before;
    const host = new URL(issuer).host;
    const kidsBefore = await jwksKids(issuer);

    // Before the burst: a customer logs in and keeps a refresh token and the browser's session.
    const { login, tokens } = await loginAndRedeem(issuer, CUSTOMER);
    expect(tokens.status, tokens.text).toBe(200);
    const refreshToken = tokens.json.refresh_token;
    expect(typeof refreshToken).toBe('string');
    const customerSub = decodeJwt(tokens.json.access_token as string).payload.sub;
    expect(customerSub).toBe(before.users.find((u) => u.email === CUSTOMER.username)?.user_id);
    expect(login.browser.cookie(host, '_session')).toBeDefined();

    // The burst, and kill -9 in the middle of it.
    const burst = await burstThenKill(first, before);
    expect(burst.failuresBeforeKill).toEqual([]);
    expect(burst.succeeded).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(burst.logins).toBeGreaterThanOrEqual(LOGIN_LOOPS);
    expect(burst.inFlightAtKill).toBeGreaterThan(0);
    expect(first.exit).toEqual({ code: null, signal: 'SIGKILL' });
    // The killed pid was the tenant itself (not a wrapper): nothing listens any more.
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
    console.log(
      `burst: ${burst.succeeded} token responses (${burst.logins} logins) before SIGKILL, ` +
        `${burst.inFlightAtKill} requests in flight at the kill, ${burst.failuresAfterKill} failed after it`,
    );

    // Restart on the same port (so that the browser's cookies belong to the issuer's host) and data.
    const second = new CliProcess(['dev', '--config', EXAMPLE_CONFIG, '--port', String(port), '--data', data]);
    const after = await second.banner();
    expect(after.issuer).toBe(issuer);
    // Secrets are printed by the start that generated them only.
    expect(after.clients).toEqual(before.clients.map(({ client_secret: _, ...client }) => client));
    expect(after.users).toEqual(before.users);

    // The database is intact.
    const db = new DatabaseSync(join(data, 'tenant.db'));
    try {
      expect(db.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
      expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
    } finally {
      db.close();
    }

    // The signing key is unchanged.
    expect(await jwksKids(issuer)).toEqual(kidsBefore);

    // The pre-burst refresh token still refreshes (once: the SPA rotates refresh tokens).
    const refreshed = await refresh(issuer, refreshToken as string);
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(typeof refreshed.json.access_token).toBe('string');
    expect(refreshed.json.refresh_token).not.toBe(refreshToken);
    const refreshedAccess = decodeJwt(refreshed.json.access_token as string);
    expect(refreshedAccess.payload.sub).toBe(customerSub);
    expect(refreshedAccess.header.kid).toBe(kidsBefore[0]);

    // Every refresh token whose response arrived before the kill was committed: each still refreshes.
    for (const token of burst.refreshTokens) {
      const answer = await refresh(issuer, token);
      expect(answer.status, answer.text).toBe(200);
    }

    // The pre-burst browser session still works: prompt=none comes back to the callback with a code.
    const { verifier, challenge } = pkcePair();
    const authorize = new URL('authorize', issuer);
    for (const [k, v] of Object.entries({
      client_id: SPA.clientId,
      response_type: 'code',
      redirect_uri: SPA.redirectUri,
      scope: 'openid',
      state: 'silent-after-restart',
      prompt: 'none',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })) {
      authorize.searchParams.set(k, v);
    }
    const silent = await login.browser.follow(authorize, SPA.redirectUri);
    expect(silent.url.startsWith(SPA.redirectUri), `ended at ${silent.url} (${silent.response.status})`).toBe(true);
    const callback = new URL(silent.url);
    expect(callback.searchParams.get('error')).toBeNull();
    expect(callback.searchParams.get('state')).toBe('silent-after-restart');
    const code = callback.searchParams.get('code');
    expect(code).toBeTruthy();
    const silentTokens = await redeem(issuer, { code: code as string, verifier });
    expect(silentTokens.status, silentTokens.text).toBe(200);
    expect(decodeJwt(silentTokens.json.id_token as string).payload.sub).toBe(customerSub);

    // The printed M2M credentials still obtain tokens.
    for (const name of ['Orders Service', 'Inventory Service']) {
      const answer = await clientCredentials(issuer, clientNamed(before, name), CATALOG);
      expect(answer.status, answer.text).toBe(200);
      expect(decodeJwt(answer.json.access_token as string).header.kid).toBe(kidsBefore[0]);
    }

    expect(await second.stop('SIGINT')).toEqual({ code: 0, signal: null });
    for (const noise of NOISE) expect(`${first.output}\n${second.output}`).not.toContain(noise);
  }, 180_000);
});
