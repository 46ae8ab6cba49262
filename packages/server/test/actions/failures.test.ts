import { utimesSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessDeniedByAction } from '../../src/actions/errors.ts';
import { WorkerActionRunner } from '../../src/actions/runner.ts';
import type { ActionLogLine, CredentialsExchangeEvent } from '../../src/actions/types.ts';
import type { Action } from '../../src/config/types.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import { TenantRegistry } from '../../src/tenant/registry.ts';
import { action, actionsDir, storeActions, writeAction } from './helpers.ts';

/*
 * The ways an action fails, each ending the flow as Auth0 ends it (an AccessDeniedByAction the engine
 * turns into access_denied) while the tenant keeps serving and the developer gets the reason in the log.
 * The credentials-exchange trigger is used: its event is the smallest.
 */

let storage: Storage;
let registry: TenantRegistry;
let runner: WorkerActionRunner | undefined;
let logs: ActionLogLine[];

const event: Omit<CredentialsExchangeEvent, 'secrets'> = {
  client: { client_id: 'm2m', name: 'Billing', metadata: {} },
  resource_server: { id: 'https://api.test' },
  request: { ip: '127.0.0.1', hostname: 'localhost', method: 'POST', query: {}, body: {}, geoip: {} },
  transaction: { requested_scopes: [] },
  accessToken: { scope: [] },
  tenant: { id: 'authmesh' },
};

function m2m(name: string, code: string, overrides: Partial<Action> = {}): Action {
  return action(name, code, { supported_triggers: [{ id: 'credentials-exchange', version: 'v2' }], ...overrides });
}

async function start(
  actions: Action[],
  options: { timeoutMs?: number; resolveFrom?: string; keywords?: Record<string, string> } = {},
) {
  await storeActions(storage, actions, { 'credentials-exchange': actions.map((a) => a.name) });
  await registry.refresh();
  runner = new WorkerActionRunner({
    registry,
    storage,
    timeoutMs: options.timeoutMs ?? 5_000,
    resolveFrom: options.resolveFrom ?? process.cwd(),
    onLog: (l) => logs.push(l),
    ...(options.keywords ? { keywords: { env: options.keywords, mappings: {} } } : {}),
  });
  return runner;
}

async function failure(r: WorkerActionRunner): Promise<AccessDeniedByAction> {
  const error = await r.credentialsExchange(event).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AccessDeniedByAction);
  return error as AccessDeniedByAction;
}

beforeEach(() => {
  storage = openSqliteStorage({ path: ':memory:' });
  registry = new TenantRegistry(storage, 'http://localhost:4000/');
  logs = [];
});

afterEach(async () => {
  await runner?.close();
  runner = undefined;
  await storage.close();
});

describe('a failing action', () => {
  it('that throws ends the flow with its message, and its stack reaches the log', async () => {
    const r = await start([
      m2m('boom', `exports.onExecuteCredentialsExchange = async () => { throw new Error('kaput'); };`),
    ]);
    const error = await failure(r);
    expect(error.code).toBe('ERR_ACTION_FAILED');
    expect(error.oauthError).toBe('access_denied');
    expect(error.reason).toBe('kaput');
    expect(logs.find((l) => l.level === 'error')?.message).toMatch(/Error: kaput\n\s+at .*action:boom/);
  });

  it('that never returns times out, and the next run works on a new worker', async () => {
    const r = await start(
      [
        m2m(
          'slow',
          `exports.onExecuteCredentialsExchange = async (event, api) => {
             if (event.request.body.hang) { for (;;) {} }
             api.accessToken.setCustomClaim('https://x.test/ok', true);
           };`,
        ),
      ],
      { timeoutMs: 300 },
    );
    const hung = await r
      .credentialsExchange({ ...event, request: { ...event.request, body: { hang: true } } })
      .catch((e: unknown) => e);
    expect((hung as AccessDeniedByAction).code).toBe('ERR_ACTION_TIMEOUT');
    expect((hung as AccessDeniedByAction).reason).toBe('Script Execution Time Exceeded');
    expect((await r.credentialsExchange(event)).accessTokenClaims).toEqual({ 'https://x.test/ok': true });
  });

  it('with a dependency that is not installed fails at load, naming the npm install command', async () => {
    const r = await start([
      m2m('deps', `const lp = require('left-pad-not-here'); exports.onExecuteCredentialsExchange = async () => {};`, {
        dependencies: [{ name: 'left-pad-not-here', version: '1.3.0' }],
      }),
    ]);
    const error = await failure(r);
    expect(error.code).toBe('ERR_ACTION_LOAD');
    expect(error.reason).toContain('npm install left-pad-not-here@1.3.0');
  });

  it('requires its declared dependencies from the project, and no undeclared ones', async () => {
    const r = await start([
      m2m(
        'yaml-user',
        `const { stringify } = require('yaml');
         exports.onExecuteCredentialsExchange = async (event, api) => {
           api.accessToken.setCustomClaim('https://x.test/y', stringify({ a: 1 }).trim());
         };`,
        { dependencies: [{ name: 'yaml', version: '2.9.1' }] },
      ),
      m2m('undeclared', `require('zod'); exports.onExecuteCredentialsExchange = async () => {};`),
    ]);
    const error = await failure(r);
    expect(error.action).toBe('undeclared');
    expect(error.reason).toContain(`add it to the dependencies of action "undeclared"`);
  });

  it('imports its declared dependencies with import(), and an undeclared import() fails at load', async () => {
    const r = await start([
      m2m(
        'esm-user',
        `exports.onExecuteCredentialsExchange = async (event, api) => {
           const { stringify } = await import('yaml');
           api.accessToken.setCustomClaim('https://x.test/y', stringify([1]).trim());
         };`,
        { dependencies: [{ name: 'yaml', version: '2.9.1' }] },
      ),
    ]);
    expect((await r.credentialsExchange(event)).accessTokenClaims).toEqual({ 'https://x.test/y': '- 1' });
    await r.close();
    const other = await start([
      m2m('esm-undeclared', `exports.onExecuteCredentialsExchange = async () => { await import('zod'); };`),
    ]);
    const error = await failure(other);
    expect(error.code).toBe('ERR_ACTION_LOAD');
    expect(error.reason).toContain(`add it to the dependencies of action "esm-undeclared"`);
  });

  it('with a syntax error fails at load with the file and line', async () => {
    const dir = actionsDir();
    const file = writeAction(
      dir,
      'broken',
      `exports.onExecuteCredentialsExchange = async () => {\n  const x = ;\n};\n`,
    );
    const r = await start([
      m2m('broken', `exports.onExecuteCredentialsExchange = async () => {\n  const x = ;\n};\n`, { codeFile: file }),
    ]);
    const error = await failure(r);
    expect(error.code).toBe('ERR_ACTION_LOAD');
    expect(error.reason).toContain('SyntaxError');
    expect(error.reason).toContain(`${file}:2`);
  });

  it('setting a restricted claim or one in an Auth0 namespace is left out with a log line, as Auth0 does', async () => {
    const r = await start([
      m2m(
        'claims',
        `exports.onExecuteCredentialsExchange = async (event, api) => {
           api.accessToken.setCustomClaim('sub', 'someone-else');
           api.accessToken.setCustomClaim('https://tenant.auth0.com/role', 'admin');
           api.accessToken.setCustomClaim('https://app.test/role', 'reader');
         };`,
      ),
    ]);
    expect((await r.credentialsExchange(event)).accessTokenClaims).toEqual({ 'https://app.test/role': 'reader' });
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      expect.stringContaining('"sub" is a restricted claim'),
      expect.stringContaining('namespace Auth0 reserves'),
    ]);
  });
});

describe('hot reload', () => {
  it('an edited action file takes effect at the next run, without a restart', async () => {
    const dir = actionsDir();
    const v1 = `exports.onExecuteCredentialsExchange = async (e, api) => { api.accessToken.setCustomClaim('https://x.test/v', 1); };`;
    const file = writeAction(dir, 'live', v1);
    const r = await start([m2m('live', v1, { codeFile: file })]);
    expect((await r.credentialsExchange(event)).accessTokenClaims).toEqual({ 'https://x.test/v': 1 });
    writeFileSync(file, v1.replace("'https://x.test/v', 1", "'https://x.test/v', 2"));
    // A later mtime than the first read, whatever the file system's timestamp resolution.
    const later = new Date(Date.now() + 5_000);
    utimesSync(file, later, later);
    expect((await r.credentialsExchange(event)).accessTokenClaims).toEqual({ 'https://x.test/v': 2 });
  });

  it('re-reads an edited file with its keywords replaced, as at load; a keyword without a value fails the load', async () => {
    const dir = actionsDir();
    const v1 = `exports.onExecuteCredentialsExchange = async (e, api) => { api.accessToken.setCustomClaim('https://x.test/plan', 'free'); };`;
    const file = writeAction(dir, 'plan', v1);
    const r = await start([m2m('plan', v1, { codeFile: file })], { keywords: { PLAN: 'gold' } });
    expect((await r.credentialsExchange(event)).accessTokenClaims).toEqual({ 'https://x.test/plan': 'free' });
    const bump = (text: string, seconds: number) => {
      writeFileSync(file, text);
      const later = new Date(Date.now() + seconds * 1_000);
      utimesSync(file, later, later);
    };
    bump(v1.replace("'free'", "'##PLAN##'"), 5);
    expect((await r.credentialsExchange(event)).accessTokenClaims).toEqual({ 'https://x.test/plan': 'gold' });
    bump(v1.replace("'free'", "'##UNSET_KEYWORD##'"), 10);
    const error = await failure(r);
    expect(error.code).toBe('ERR_ACTION_LOAD');
    expect(error.reason).toContain('UNSET_KEYWORD');
  });

  it('a new deploy of the stored code wins over the file cache', async () => {
    const dir = actionsDir();
    const v1 = `exports.onExecuteCredentialsExchange = async (e, api) => { api.accessToken.setCustomClaim('https://x.test/v', 'file'); };`;
    const file = writeAction(dir, 'deployed', v1);
    const r = await start([m2m('deployed', v1, { codeFile: file })]);
    expect((await r.credentialsExchange(event)).accessTokenClaims).toEqual({ 'https://x.test/v': 'file' });
    // What the Management API does on a deploy: the stored record's code changes, the file does not.
    const v2 = v1.replace("'file'", "'deployed'");
    await storeActions(storage, [m2m('deployed', v2, { codeFile: file })], { 'credentials-exchange': ['deployed'] });
    await registry.refresh();
    expect((await r.credentialsExchange(event)).accessTokenClaims).toEqual({ 'https://x.test/v': 'deployed' });
  });
});
