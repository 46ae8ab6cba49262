import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import {
  createTenant,
  type ExplainOptions,
  explainToken,
  loadTenantConfigFile,
  type PublicJwk,
  type TenantClient,
  type TenantConfig,
  type TokenVerdict,
} from '@authmesh/server';
import { TestingError } from './errors.ts';
import { loginHeadlessly } from './headless-login.ts';
import { TestControl, type TestUser, type UserChange } from './test-control.ts';
import { requestToken, type TokenSet } from './token-endpoint.ts';

/** Where the tenant comes from: a validated configuration, or a tenant.yaml (or Deploy CLI directory). */
export type StartTenantOptions = ({ config: TenantConfig; file?: never } | { file: string; config?: never }) & {
  /** TCP port; default 0, a free one (so that parallel test files each get their own tenant). */
  port?: number;
  /** Values for `##KEY##` keywords in the file; default `process.env`. */
  env?: Record<string, string | undefined>;
};

/** A user to log in: an e-mail the tenant knows the password of (seeded or created), or e-mail and password. */
export type UserRef = string | { email: string; password: string };

/** A tenant started for tests: real tokens, users changed at run time, stopped with `stop()`. */
export interface TestTenant {
  /** The issuer (`http://localhost:<port>/`): the `domain`/`issuerBaseURL` to give the app under test. */
  readonly issuer: string;
  readonly port: number;
  /** The clients with their (generated) ids and secrets. */
  readonly clients: readonly TenantClient[];
  /** The client with this name or id; throws `ERR_TESTING_UNKNOWN_CLIENT` otherwise. */
  client(nameOrId: string): TenantClient;
  /** A machine-to-machine token from the client-credentials grant of a confidential client. */
  clientCredentials(request: { client: string; audience: string; scope?: string }): Promise<TokenSet>;
  /** A user's tokens from the real authorization-code + PKCE flow, through the real login form. */
  userToken(request: {
    user: UserRef;
    client: string;
    audience?: string;
    scope?: string;
    redirectUri?: string;
  }): Promise<TokenSet>;
  /** Users at run time: create and change them (roles by name, permissions, metadata). */
  readonly users: {
    create(user: TestUser): Promise<{ user_id: string; email: string }>;
    update(email: string, change: UserChange): Promise<{ user_id: string; email: string }>;
  };
  /** Users back to the configuration's; sessions and tokens of the others revoked. */
  reset(): Promise<void>;
  /** Whether the API `options.audience` would accept `token`, and exactly why not (as `authmesh explain`). */
  explain(token: string, options?: ExplainOptions): Promise<TokenVerdict>;
  /** The `user_id` (the `sub` of the user's tokens) the tenant gave a user; throws `ERR_TESTING_UNKNOWN_USER` otherwise. */
  userId(email: string): string;
  /** The password the kit knows for a user (seeded or created by the kit). */
  passwordOf(email: string): string;
  /** Stops the tenant; its throwaway store goes with it. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a tenant in this process on a free port with an in-memory store, in test mode.
 *
 * @example
 * ```ts
 * const tenant = await startTenant({ file: 'tenant.yaml' });
 * const { access_token } = await tenant.clientCredentials({ client: 'Orders Service', audience: 'https://catalog.acme.test' });
 * await tenant.stop();
 * ```
 */
export async function startTenant(options: StartTenantOptions): Promise<TestTenant> {
  const config = options.config ?? (await loadTenantConfigFile(resolve(options.file), options.env ?? process.env));
  const token = randomBytes(32).toString('base64url');
  const tenant = await createTenant({ config, port: options.port ?? 0, dataDir: null, testMode: { token } });
  const issuer = tenant.issuer;
  const control = new TestControl(issuer, token);
  const passwords = new Map(config.users.map((u) => [u.email.toLowerCase(), u.password]));
  let users = [...tenant.users];

  const client = (nameOrId: string): TenantClient => {
    const found = tenant.clients.find((c) => c.name === nameOrId || c.client_id === nameOrId);
    if (!found) {
      const known = tenant.clients.map((c) => c.name).join(', ');
      throw new TestingError('ERR_TESTING_UNKNOWN_CLIENT', `no client ${nameOrId} in the tenant (clients: ${known})`);
    }
    return found;
  };
  const passwordOf = (email: string): string => {
    const password = passwords.get(email.toLowerCase());
    if (password === undefined) {
      throw new TestingError(
        'ERR_TESTING_UNKNOWN_USER',
        `no password known for ${email}: create the user with tenant.users.create or pass { email, password }`,
      );
    }
    return password;
  };

  return {
    issuer,
    port: tenant.port,
    clients: tenant.clients,
    client,
    passwordOf,
    userId: (email) => {
      const found = users.find((u) => u.email.toLowerCase() === email.toLowerCase());
      if (!found) throw new TestingError('ERR_TESTING_UNKNOWN_USER', `no user ${email} in the tenant`);
      return found.user_id;
    },
    clientCredentials: ({ client: name, audience, scope }) => {
      const c = client(name);
      return requestToken(issuer, {
        grant_type: 'client_credentials',
        client_id: c.client_id,
        client_secret: c.client_secret ?? '',
        audience,
        ...(scope === undefined ? {} : { scope }),
      });
    },
    userToken: ({ user, client: name, audience, scope, redirectUri }) => {
      const c = client(name);
      const declared = config.clients.find((d) => d.name === c.name);
      const callback = redirectUri ?? declared?.callbacks[0];
      if (callback === undefined) {
        throw new TestingError(
          'ERR_TESTING_UNKNOWN_CLIENT',
          `the client ${c.name} has no callback URL to log in through`,
        );
      }
      const email = typeof user === 'string' ? user : user.email;
      return loginHeadlessly({
        issuer,
        clientId: c.client_id,
        ...(c.client_secret === undefined ? {} : { clientSecret: c.client_secret }),
        redirectUri: callback,
        username: email,
        password: typeof user === 'string' ? passwordOf(user) : user.password,
        ...(audience === undefined ? {} : { audience }),
        scope: scope ?? 'openid profile email',
      });
    },
    users: {
      create: async (user) => {
        const created = await control.createUser(user);
        passwords.set(user.email.toLowerCase(), user.password);
        users.push(created);
        return created;
      },
      update: (email, change) => control.updateUser(email, change),
    },
    reset: async () => {
      users = await control.reset();
      passwords.clear();
      for (const u of config.users) passwords.set(u.email.toLowerCase(), u.password);
    },
    explain: async (accessToken, explainOptions) => {
      const jwks = (await (await fetch(new URL('.well-known/jwks.json', issuer))).json()) as { keys: PublicJwk[] };
      return explainToken(
        { issuer, keys: jwks.keys, config, clients: tenant.clients, users },
        accessToken,
        explainOptions,
      );
    },
    stop: () => tenant.close(),
  };
}
