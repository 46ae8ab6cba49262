/**
 * An actions-bench target: `createTenant` with the server test fixture, real SQLite in a temp dataDir, and with
 * BENCH_ACTIONS=1 two trivial Auth0 Actions declared in the config as a tenant file declares them: a post-login
 * action setting one ID-token claim and a credentials-exchange action setting one access-token claim. Without
 * it, the same tenant without actions. Prints its issuer as the first stdout line; removes the dataDir on SIGTERM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTenant } from '@authmesh/server';
import { fixtureConfig } from '@authmesh/testkit';

/** The claims the two actions set; run.ts checks them on one token of each kind before measuring. */
const LOGIN_CLAIM = 'https://bench.test/login';
const M2M_CLAIM = 'https://bench.test/client';

const withActions = process.env.BENCH_ACTIONS === '1';
const dataDir = mkdtempSync(join(tmpdir(), 'authmesh-bench-actions-'));
const base = fixtureConfig();
const action = (name: string, trigger: 'post-login' | 'credentials-exchange', version: string, code: string) => ({
  name,
  code,
  runtime: 'node22',
  dependencies: [],
  secrets: [],
  supported_triggers: [{ id: trigger, version }],
});

const tenant = await createTenant({
  config: withActions
    ? {
        ...base,
        actions: [
          action(
            'login-claim',
            'post-login',
            'v3',
            `exports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim('${LOGIN_CLAIM}', event.user.email); };`,
          ),
          action(
            'client-claim',
            'credentials-exchange',
            'v2',
            `exports.onExecuteCredentialsExchange = async (event, api) => { api.accessToken.setCustomClaim('${M2M_CLAIM}', event.client.name); };`,
          ),
        ],
        triggers: { 'post-login': ['login-claim'], 'credentials-exchange': ['client-claim'] },
      }
    : base,
  port: 0,
  dataDir,
  onError: (error) => console.error('authmesh server_error:', error),
  onActionLog: (line) => console.error(`[action ${line.action} ${line.trigger}] ${line.message}`),
});
console.log(tenant.issuer);

process.on('SIGTERM', () => {
  void tenant.close().finally(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
