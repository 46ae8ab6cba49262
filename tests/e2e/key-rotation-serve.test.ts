import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVerifier } from '@authmesh/api';
import { startPostgres, type TestPostgres } from '@authmesh/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, cliEnv, freePort, REPO, serveProcesses } from './support/serve-processes.ts';

/*
 * A rotation in production form: two `authmesh serve` processes on one Postgres database, `authmesh keys
 * rotate` run beside them, and an API on @authmesh/api verifying tokens from both processes, alternately,
 * the whole time. Scaled down in time: the API caches the JWKS for 1 s (10 minutes by default) and the
 * rotation delay is 5 s (10 minutes by default), the same order as in production (delay ≥ cache lifetime +
 * the processes' 1 s re-read). The API keeps its default 30 s cooldown for unknown kids, so a token signed
 * by a key it has not fetched yet would fail the test rather than be rescued by a refetch.
 */

const API = 'https://catalog.rotation.test';
const SERVICE = { clientId: 'rotation-service-0001', clientSecret: 'rotation-service-secret-0123456789abcdef0123' };
const TENANT_YAML = `
resourceServers:
  - name: Catalog API
    identifier: ${API}
    scopes: [{ value: read:catalog }]
clients:
  - name: Rotation Service
    app_type: non_interactive
    client_id: ${SERVICE.clientId}
    client_secret: ${SERVICE.clientSecret}
clientGrants:
  - { client_id: Rotation Service, audience: ${API}, scope: [read:catalog] }
`;

const processes = serveProcesses();
let postgres: TestPostgres;
let database: string;
let dir: string;

const serve = (port: number, issuer: string) =>
  processes.serve({ config: join(dir, 'tenant.yaml'), database, port, issuer });

async function runKeys(args: string[]): Promise<string> {
  const child = spawn(BIN, ['keys', ...args, '--database', database], {
    cwd: REPO,
    env: cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.resume();
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).toBe(0);
  return stdout;
}

async function token(url: string): Promise<string> {
  const response = await fetch(new URL('oauth/token', url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: SERVICE.clientId,
      client_secret: SERVICE.clientSecret,
      audience: API,
    }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

function kidOf(jwt: string): string {
  return (JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString()) as { kid: string }).kid;
}

beforeAll(async () => {
  postgres = await startPostgres();
  database = await postgres.createDatabase();
  dir = await mkdtemp(join(tmpdir(), 'authmesh-rotation-'));
  await writeFile(join(dir, 'tenant.yaml'), TENANT_YAML);
}, 60_000);

afterAll(async () => {
  await processes.stop();
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('two serve processes rotate together while an API on @authmesh/api verifies their tokens throughout', async () => {
  const portA = await freePort();
  const issuer = `http://localhost:${portA}/`;
  const a = await serve(portA, issuer);
  const b = await serve(await freePort(), issuer);
  const api = createVerifier({
    issuer,
    jwksUri: new URL('.well-known/jwks.json', b).href,
    audience: API,
    jwks: { cacheMaxAge: 1_000 },
  });
  const before = await token(a);
  const oldKid = kidOf(before);
  await api.verify(before);

  const out = await runKeys(['rotate', '--delay', '5']);
  const nextKid = /published key (\S+);/.exec(out)?.[1];
  expect(nextKid).toBeDefined();

  // Tokens from both processes, alternately, until both sign with the new key; every one must verify (a
  // failure is not retried: it fails the test).
  const seen: string[] = [];
  const deadline = performance.now() + 30_000;
  for (let i = 0; !(seen.at(-1) === nextKid && seen.at(-2) === nextKid); i++) {
    if (performance.now() > deadline) throw new Error(`no switch to ${nextKid} within 30 s: ${seen.join(' ')}`);
    const jwt = await token(i % 2 === 0 ? a : b);
    await expect(api.verify(jwt)).resolves.toMatchObject({ claims: { aud: API } });
    await expect(api.verify(before)).resolves.toMatchObject({ claims: { aud: API } });
    seen.push(kidOf(jwt));
  }
  expect(seen[0]).toBe(oldKid);
  // Once a process signed with the new key it never went back.
  expect(seen.slice(seen.indexOf(nextKid ?? ''))).toEqual(seen.slice(seen.indexOf(nextKid ?? '')).map(() => nextKid));
  // After the switch, an older token still verifies: the previous key stays published.
  await expect(api.verify(before)).resolves.toMatchObject({ claims: { aud: API } });
}, 120_000);
