import { type RestartablePostgres, startRestartablePostgres } from '@authmesh/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type JsonReply, killLeftovers, tokenRequest } from './support/cli.ts';
import {
  ADMIN,
  machineToken,
  passwordToken,
  repeatUntil,
  type ServeProcess,
  startPair,
  THIRD_USER,
  USER,
  WEB,
} from './support/shared-tenant.ts';

/*
 * Faults with two `authmesh serve` processes on one Postgres database (a cluster of this file's own, as the
 * test stops it): the database restarting during a burst is 503 with Retry-After, never a 500, and both
 * processes recover by themselves; `kill -9` of one process during a burst loses nothing it acknowledged,
 * and the other keeps serving.
 */

let postgres: RestartablePostgres;
let a: ServeProcess;
let b: ServeProcess;
let issuer: string;

beforeAll(async () => {
  postgres = await startRestartablePostgres();
  ({ a, b, issuer } = await startPair(postgres.database));
}, 60_000);

afterAll(async () => {
  await killLeftovers();
  await postgres?.stop();
});

/** One request of each kind the burst sends: the engine's token path, the password grant, /api/v2, the login page. */
function requestsTo(url: string, managementToken: string): Promise<JsonReply & { retryAfter: string | null }>[] {
  const management = fetch(new URL('api/v2/clients', url), {
    headers: { authorization: `Bearer ${managementToken}` },
  }).then(async (response) => ({
    status: response.status,
    text: await response.text(),
    json: {},
    retryAfter: response.headers.get('retry-after'),
  }));
  const authorize = new URL('authorize', url);
  authorize.search = new URLSearchParams({
    client_id: WEB.client_id,
    response_type: 'code',
    redirect_uri: 'http://localhost:5174/callback',
    scope: 'openid',
    state: 'faults',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  }).toString();
  const loginPage = fetch(authorize, { redirect: 'manual' }).then(async (response) => ({
    status: response.status,
    text: await response.text(),
    json: {},
    retryAfter: response.headers.get('retry-after'),
  }));
  return [
    withRetryAfter(url, () => machineToken(url, ADMIN, `${issuer}api/v2/`)),
    withRetryAfter(url, () => passwordToken(url, USER)),
    management,
    loginPage,
  ];
}

/** The reply, and its Retry-After (tokenRequest does not keep headers, so the 503 is asked for again raw). */
async function withRetryAfter(
  url: string,
  send: () => Promise<JsonReply>,
): Promise<JsonReply & { retryAfter: string | null }> {
  const reply = await send();
  return { ...reply, retryAfter: reply.status === 503 ? await retryAfterOf(url) : null };
}

async function retryAfterOf(url: string): Promise<string | null> {
  const response = await fetch(new URL('oauth/token', url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...ADMIN, audience: `${issuer}api/v2/` }),
  });
  await response.arrayBuffer();
  return response.status === 503 ? response.headers.get('retry-after') : 'not a 503 on the second ask';
}

it('Postgres restarting during a burst: 503 with Retry-After (never a 500), then both processes recover', async () => {
  const token = String((await machineToken(a.url, ADMIN, `${issuer}api/v2/`)).json.access_token);
  const seen: (JsonReply & { retryAfter: string | null })[] = [];
  const round = async () => {
    const replies = await Promise.all([...requestsTo(a.url, token), ...requestsTo(b.url, token)]);
    seen.push(...replies);
    return replies;
  };
  const served = (replies: { status: number }[]) => replies.every((r) => r.status === 200 || r.status === 303);
  expect(served(await round())).toBe(true);

  const paused = postgres.pause();
  const down = await repeatUntil(round, (replies) => replies.every((r) => r.status === 503), 20_000);
  expect(down.map((r) => r.status)).toStrictEqual([503, 503, 503, 503, 503, 503, 503, 503]);
  await paused;
  for (const reply of down) expect(reply.retryAfter).toBe('2');
  expect(down[0]?.json).toMatchObject({ error: 'temporarily_unavailable' });
  expect(JSON.parse(down[2]?.text ?? '{}')).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });

  await postgres.resume();
  const up = await repeatUntil(round, served, 20_000);
  expect(served(up)).toBe(true);
  // Throughout: every answer was a success or a 503, never a 500 or a stack.
  for (const reply of seen) {
    expect([200, 303, 503]).toContain(reply.status);
    expect(reply.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
  }
  // Neither process died nor printed a stack.
  for (const { cli } of [a, b]) {
    expect(cli.exit).toBeUndefined();
    expect(cli.stderr).toBe('');
  }
}, 60_000);

it('kill -9 of one process during a burst: every refresh token it acknowledged works on the other', async () => {
  const acknowledged: string[] = [];
  let killed = false;
  const deadline = performance.now() + 30_000;
  const burstOnB = async () => {
    while (!killed && performance.now() < deadline) {
      const reply = await passwordToken(b.url, THIRD_USER, 'openid offline_access').catch(() => undefined);
      if (reply?.status === 200) acknowledged.push(String(reply.json.refresh_token));
      if (acknowledged.length === 5 && !killed) {
        killed = true;
        b.cli.child.kill('SIGKILL');
      }
    }
  };
  const servedByA: number[] = [];
  const burstOnA = async () => {
    while ((!killed || servedByA.length < 20) && performance.now() < deadline) {
      servedByA.push((await machineToken(a.url, ADMIN, `${issuer}api/v2/`)).status);
    }
  };
  await Promise.all([burstOnB(), burstOnB(), burstOnA()]);
  expect(await b.cli.waitForExit(10_000)).toMatchObject({ signal: 'SIGKILL' });
  expect(servedByA.every((status) => status === 200)).toBe(true);

  expect(acknowledged.length).toBeGreaterThanOrEqual(5);
  for (const refreshToken of acknowledged) {
    const refreshed = await tokenRequest(a.url, { grant_type: 'refresh_token', ...WEB, refresh_token: refreshToken });
    expect(refreshed.status, refreshed.text).toBe(200);
  }
}, 60_000);
