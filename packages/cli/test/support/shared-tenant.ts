import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcess, freePort, type JsonReply, tokenRequest } from './cli.ts';

/*
 * A tenant for the multi-process tests: fixed client ids and secrets (authmesh serve never prints secrets),
 * a Management API caller, a machine client with no grant yet, a password-grant client and an SPA with
 * rotating refresh tokens.
 */

export const API = 'https://stock.shared.test';
export const ADMIN = { client_id: 'shared-admin', client_secret: 'shared-admin-secret-0123456789abcdef0123456789' };
export const WORKER = { client_id: 'shared-worker', client_secret: 'shared-worker-secret-0123456789abcdef012345678' };
export const DOOMED = { client_id: 'shared-doomed', client_secret: 'shared-doomed-secret-0123456789abcdef01234567' };
export const WEB = { client_id: 'shared-web', client_secret: 'shared-web-secret-0123456789abcdef0123456789abc' };
/** Like WEB, with Auth0's rotation overlap period (`refresh_token.leeway`) of 30 s. */
export const WEB_LEEWAY = {
  client_id: 'shared-web-leeway',
  client_secret: 'shared-web-leeway-secret-0123456789abcdef0123',
};
export const USER = { email: 'pat@shared.test', password: 'pat-shared-password-42' };
export const OTHER_USER = { email: 'lee@shared.test', password: 'lee-shared-password-42' };
export const THIRD_USER = { email: 'sam@shared.test', password: 'sam-shared-password-42' };

/** What the admin may do through /api/v2 in these tests. */
const ADMIN_SCOPES = [
  'create:client_grants',
  'delete:client_grants',
  'read:client_grants',
  'read:clients',
  'update:clients',
  'update:client_keys',
  'delete:clients',
  'read:users',
  'create:signing_keys',
  'update:signing_keys',
  'update:users',
  'read:tenant_settings',
  'update:tenant_settings',
];

/** Writes the tenant.yaml for `issuer` into a new temporary directory and returns its path. */
export function writeSharedConfig(issuer: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'authmesh-shared-'));
  const path = join(dir, 'tenant.yaml');
  writeFileSync(
    path,
    `tenant:
  friendly_name: Shared
  default_directory: Username-Password-Authentication
resourceServers:
  - name: Stock API
    identifier: ${API}
    scopes:
      - { value: read:stock, description: Read stock }
    allow_offline_access: true
    skip_consent_for_verifiable_first_party_clients: true
clients:
  - name: Admin
    app_type: non_interactive
    client_id: ${ADMIN.client_id}
    client_secret: ${ADMIN.client_secret}
    grant_types: [client_credentials]
  - name: Worker
    app_type: non_interactive
    client_id: ${WORKER.client_id}
    client_secret: ${WORKER.client_secret}
    grant_types: [client_credentials]
  - name: Doomed
    app_type: non_interactive
    client_id: ${DOOMED.client_id}
    client_secret: ${DOOMED.client_secret}
    grant_types: [client_credentials]
  - name: Web
    app_type: regular_web
    client_id: ${WEB.client_id}
    client_secret: ${WEB.client_secret}
    callbacks: [http://localhost:5174/callback]
    grant_types: [password, http://auth0.com/oauth/grant-type/password-realm, authorization_code, refresh_token]
    refresh_token:
      rotation_type: rotating
      expiration_type: expiring
      leeway: 0
  - name: Web with leeway
    app_type: regular_web
    client_id: ${WEB_LEEWAY.client_id}
    client_secret: ${WEB_LEEWAY.client_secret}
    callbacks: [http://localhost:5174/callback]
    grant_types: [password, refresh_token]
    refresh_token:
      rotation_type: rotating
      expiration_type: expiring
      leeway: 30
clientGrants:
  - client_id: Admin
    audience: ${issuer}api/v2/
    scope: [${ADMIN_SCOPES.join(', ')}]
  - client_id: Doomed
    audience: ${issuer}api/v2/
    scope: [read:clients]
users:
  - email: ${USER.email}
    password: ${USER.password}
  - email: ${OTHER_USER.email}
    password: ${OTHER_USER.password}
  - email: ${THIRD_USER.email}
    password: ${THIRD_USER.password}
`,
  );
  return path;
}

/** The `--rotation-delay` both processes run with. */
export const ROTATION_DELAY_S = 90;

export interface ServeProcess {
  cli: CliProcess;
  /** Where this process listens (the issuer names process A; requests to B go here). */
  url: string;
}

/** Starts `authmesh serve` on `port` with the shared issuer and config, on `database`. */
export async function startServe(
  config: string,
  database: string,
  port: number,
  issuer: string,
): Promise<ServeProcess> {
  const cli = new CliProcess([
    'serve',
    '--config',
    config,
    '--database',
    database,
    '--port',
    String(port),
    '--issuer',
    issuer,
    '--insecure-http',
    '--rotation-delay',
    `${ROTATION_DELAY_S}s`,
  ]);
  await cli.until(() => cli.stdout.includes('"msg":"authmesh tenant ready"'), 'the ready line', 30_000);
  return { cli, url: `http://127.0.0.1:${port}/` };
}

/** Two processes on one database, A on the issuer's port. */
export async function startPair(database: string): Promise<{ a: ServeProcess; b: ServeProcess; issuer: string }> {
  const portA = await freePort();
  const issuer = `http://localhost:${portA}/`;
  const config = writeSharedConfig(issuer);
  const a = await startServe(config, database, portA, issuer);
  const b = await startServe(config, database, await freePort(), issuer);
  return { a, b, issuer };
}

/** The client-credentials grant for `client` on `audience` at `url`. */
export function machineToken(url: string, client: typeof WORKER, audience = API): Promise<JsonReply> {
  return tokenRequest(url, { grant_type: 'client_credentials', ...client, audience });
}

/** The password grant (Auth0's Resource Owner Password flow) for `user` through the Web client at `url`. */
export function passwordToken(
  url: string,
  user: typeof USER,
  scope = 'openid',
  client: typeof WEB = WEB,
): Promise<JsonReply> {
  return tokenRequest(url, {
    grant_type: 'password',
    ...client,
    username: user.email,
    password: user.password,
    audience: API,
    scope,
  });
}

/**
 * Repeats `attempt` until `done` holds for its result, for at most `ms` (no fixed delays: only the requests
 * themselves pace it). Returns the last result, whether or not `done` held, for the caller to assert on.
 */
export async function repeatUntil<T>(attempt: () => Promise<T>, done: (value: T) => boolean, ms: number): Promise<T> {
  const deadline = performance.now() + ms;
  let last = await attempt();
  while (!done(last) && performance.now() < deadline) last = await attempt();
  return last;
}
