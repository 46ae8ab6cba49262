import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessDeniedByAction } from '../../src/actions/errors.ts';
import { WorkerActionRunner } from '../../src/actions/runner.ts';
import type { ActionLogLine, PostLoginEvent } from '../../src/actions/types.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import type { UserRecord } from '../../src/tenant/records.ts';
import { TenantRegistry } from '../../src/tenant/registry.ts';
import { action, storeActions } from './helpers.ts';

const ISSUER = 'http://localhost:4000/';
let storage: Storage;
let registry: TenantRegistry;
let runner: WorkerActionRunner;
let logs: ActionLogLine[];

const alice: UserRecord = {
  user_id: 'auth0|alice',
  email: 'alice@example.com',
  email_verified: true,
  name: 'Alice',
  nickname: 'alice',
  picture: '',
  password_hash: '',
  roles: [],
  permissions: [],
  app_metadata: { plan: 'gold' },
  user_metadata: {},
  blocked: false,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

function loginEvent(): Omit<PostLoginEvent, 'secrets'> {
  return {
    user: { ...alice, identities: [], multifactor: [] },
    client: { client_id: 'spa', name: 'SPA', metadata: {} },
    connection: { id: 'con_1', name: 'Username-Password-Authentication', strategy: 'auth0', metadata: {} },
    request: { ip: '127.0.0.1', hostname: 'localhost', method: 'GET', query: {}, body: {}, geoip: {} },
    authorization: { roles: ['admin'] },
    stats: { logins_count: 1 },
    transaction: {
      protocol: 'oidc-basic-profile',
      requested_scopes: ['openid'],
      ui_locales: [],
      locale: 'en',
      acr_values: [],
      metadata: {},
    },
    tenant: { id: 'authmesh' },
  };
}

async function bind(actions: Parameters<typeof storeActions>[1], timeoutMs = 5_000): Promise<void> {
  await storeActions(storage, actions, {
    'post-login': actions.filter((a) => a.supported_triggers[0]?.id === 'post-login').map((a) => a.name),
    'credentials-exchange': actions
      .filter((a) => a.supported_triggers[0]?.id === 'credentials-exchange')
      .map((a) => a.name),
  });
  await registry.refresh();
  runner = new WorkerActionRunner({
    registry,
    storage,
    timeoutMs,
    resolveFrom: process.cwd(),
    onLog: (l) => logs.push(l),
  });
}

beforeEach(async () => {
  storage = openSqliteStorage({ path: ':memory:' });
  registry = new TenantRegistry(storage, ISSUER);
  await storage.entities.apply([{ op: 'put', kind: 'user', id: alice.user_id, key: alice.email, doc: alice }]);
  logs = [];
});

afterEach(async () => {
  await runner?.close();
  await storage.close();
});

describe('post-login actions', () => {
  it('sets ID and access token claims and changes scopes, in binding order, each seeing the previous one', async () => {
    await bind([
      action(
        'first',
        `exports.onExecutePostLogin = async (event, api) => {
          api.idToken.setCustomClaim('https://app.test/roles', event.authorization.roles);
          api.user.setAppMetadata('seen', 1);
          api.accessToken.addScope('read:extra').accessToken.removeScope('openid');
        };`,
      ),
      action(
        'second',
        `exports.onExecutePostLogin = async (event, api) => {
          api.accessToken.setCustomClaim('https://app.test/seen', event.user.app_metadata.seen);
          console.log('plan is', event.user.app_metadata.plan);
        };`,
      ),
    ]);
    const result = await runner.postLogin(loginEvent());
    expect(result.idTokenClaims).toEqual({ 'https://app.test/roles': ['admin'] });
    expect(result.accessTokenClaims).toEqual({ 'https://app.test/seen': 1 });
    expect(result.scopeChanges).toEqual([
      { op: 'add', scope: 'read:extra' },
      { op: 'remove', scope: 'openid' },
    ]);
    expect(logs).toContainEqual({ action: 'second', trigger: 'post-login', level: 'log', message: 'plan is gold' });
  });

  it('persists api.user metadata after the flow', async () => {
    await bind([
      action(
        'meta',
        `exports.onExecutePostLogin = async (event, api) => {
          api.user.setAppMetadata('tier', 'pro');
          api.user.setUserMetadata('theme', 'dark');
          api.user.setAppMetadata('plan', null);
        };`,
      ),
    ]);
    await runner.postLogin(loginEvent());
    const stored = (await storage.entities.get<UserRecord>('user', alice.user_id))?.doc;
    expect(stored?.app_metadata).toEqual({ tier: 'pro' });
    expect(stored?.user_metadata).toEqual({ theme: 'dark' });
  });

  it('gives each action its own secrets', async () => {
    await bind([
      action(
        's',
        `exports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim('https://x.test/k', event.secrets.KEY); };`,
        {
          secrets: [{ name: 'KEY', value: 'v1' }],
        },
      ),
    ]);
    expect((await runner.postLogin(loginEvent())).idTokenClaims).toEqual({ 'https://x.test/k': 'v1' });
  });

  it('denies with the reason, stops later actions, and still persists metadata', async () => {
    await bind([
      action(
        'deny',
        `exports.onExecutePostLogin = async (event, api) => { api.user.setAppMetadata('tried', true); api.access.deny('No entry'); };`,
      ),
      action('later', `exports.onExecutePostLogin = async () => { console.log('should not run'); };`),
    ]);
    const error = await runner.postLogin(loginEvent()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedByAction);
    expect((error as AccessDeniedByAction).code).toBe('ERR_ACTION_DENIED');
    expect((error as AccessDeniedByAction).reason).toBe('No entry');
    expect(logs.some((l) => l.action === 'later')).toBe(false);
    expect((await storage.entities.get<UserRecord>('user', alice.user_id))?.doc.app_metadata).toMatchObject({
      tried: true,
    });
  });

  it("keeps api.cache for the trigger across runs and actions, within Auth0's limits", async () => {
    await bind([
      action(
        'writer',
        `exports.onExecutePostLogin = async (event, api) => {
          const hit = api.cache.get('k');
          api.idToken.setCustomClaim('https://x.test/hit', hit ? hit.value : 'miss');
          api.cache.set('k', 'stored', { ttl: 60000 });
          api.idToken.setCustomClaim('https://x.test/big', api.cache.set('big', 'x'.repeat(4097)).type);
          api.idToken.setCustomClaim('https://x.test/long', api.cache.set('k'.repeat(65), 'v').code);
        };`,
      ),
      action(
        'reader',
        `exports.onExecutePostLogin = async (event, api) => {
          api.accessToken.setCustomClaim('https://x.test/seen', api.cache.get('k')?.value ?? 'nothing');
        };`,
      ),
    ]);
    const first = await runner.postLogin(loginEvent());
    expect(first.idTokenClaims).toEqual({
      'https://x.test/hit': 'miss',
      'https://x.test/big': 'error',
      'https://x.test/long': 'invalid_key',
    });
    // The next action of the same trigger sees what the first cached.
    expect(first.accessTokenClaims).toEqual({ 'https://x.test/seen': 'stored' });
    expect((await runner.postLogin(loginEvent())).idTokenClaims).toMatchObject({ 'https://x.test/hit': 'stored' });
  });

  it('api.multifactor.enable is not emulated: a warning line, and the login continues', async () => {
    await bind([
      action(
        'mfa',
        `exports.onExecutePostLogin = async (event, api) => {
          api.multifactor.enable('any', { allowRememberBrowser: false });
          api.idToken.setCustomClaim('https://x.test/after-mfa', true);
        };`,
      ),
    ]);
    expect((await runner.postLogin(loginEvent())).idTokenClaims).toEqual({ 'https://x.test/after-mfa': true });
    expect(logs).toContainEqual({
      action: 'mfa',
      trigger: 'post-login',
      level: 'warn',
      message: expect.stringContaining('multifactor.enable is not emulated'),
    });
  });

  it('signs and validates redirect session tokens (api.redirect.encodeToken / validateToken)', async () => {
    await bind([
      action(
        'tokens',
        `exports.onExecutePostLogin = async (event, api) => {
          const token = api.redirect.encodeToken({ secret: 's3cret', payload: { a: 1 } });
          event.request.query.session_token = token;
          api.idToken.setCustomClaim('https://x.test/a', api.redirect.validateToken({ secret: 's3cret' }).a);
        };`,
      ),
    ]);
    expect((await runner.postLogin(loginEvent())).idTokenClaims).toEqual({ 'https://x.test/a': 1 });
  });
});

describe('credentials-exchange actions', () => {
  const event = {
    client: { client_id: 'm2m', name: 'Billing service', metadata: {} },
    resource_server: { id: 'https://api.test' },
    request: { ip: '127.0.0.1', hostname: 'localhost', method: 'POST', query: {}, body: {}, geoip: {} },
    transaction: { requested_scopes: [] },
    accessToken: { scope: ['read'] },
    tenant: { id: 'authmesh' },
  };
  const m2m = { supported_triggers: [{ id: 'credentials-exchange' as const, version: 'v2' }] };

  it('adds access-token claims from the event', async () => {
    await bind([
      action(
        'svc',
        `exports.onExecuteCredentialsExchange = async (event, api) => { api.accessToken.setCustomClaim('https://x.test/svc', event.client.name); };`,
        m2m,
      ),
    ]);
    expect((await runner.credentialsExchange(event)).accessTokenClaims).toEqual({
      'https://x.test/svc': 'Billing service',
    });
  });

  it('denies with the OAuth code and reason the action gives', async () => {
    await bind([
      action(
        'no',
        `exports.onExecuteCredentialsExchange = async (event, api) => { api.access.deny('invalid_scope', 'Not for you'); };`,
        m2m,
      ),
    ]);
    const error = (await runner.credentialsExchange(event).catch((e: unknown) => e)) as AccessDeniedByAction;
    expect(error.code).toBe('ERR_ACTION_DENIED');
    expect(error.oauthError).toBe('invalid_scope');
    expect(error.reason).toBe('Not for you');
  });
});
