import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessDeniedByAction } from '../../src/actions/errors.ts';
import { WorkerActionRunner } from '../../src/actions/runner.ts';
import type { CredentialsExchangeEvent } from '../../src/actions/types.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import { TenantRegistry } from '../../src/tenant/registry.ts';
import { action, storeActions } from './helpers.ts';

/*
 * Auth0's execution limit applies to the whole flow: the actions bound to one trigger share it. Each
 * action here waits as long as the request's body says, well under the limit on its own; two of them
 * together exceed it.
 */

const LIMIT_MS = 1_000;
const WAIT_MS = 600;

let storage: Storage;
let runner: WorkerActionRunner | undefined;

function exchange(body: Record<string, unknown>): Omit<CredentialsExchangeEvent, 'secrets'> {
  return {
    client: { client_id: 'm2m', name: 'Billing', metadata: {} },
    resource_server: { id: 'https://api.test' },
    request: { ip: '127.0.0.1', hostname: 'localhost', method: 'POST', query: {}, body, geoip: {} },
    transaction: { requested_scopes: [] },
    accessToken: { scope: [] },
    tenant: { id: 'authmesh' },
  };
}

function waiting(name: string, waitsWhen: 'wait' | 'both') {
  return action(
    name,
    `exports.onExecuteCredentialsExchange = async (event, api) => {
       const ms = event.request.body.${waitsWhen} ? event.request.body.wait : 0;
       await new Promise((resolve) => setTimeout(resolve, ms));
       api.accessToken.setCustomClaim('https://x.test/${name}', true);
     };`,
    { supported_triggers: [{ id: 'credentials-exchange', version: 'v2' }] },
  );
}

beforeEach(async () => {
  storage = openSqliteStorage({ path: ':memory:' });
  const registry = new TenantRegistry(storage, 'http://localhost:4000/');
  await storeActions(storage, [waiting('first', 'wait'), waiting('second', 'both')], {
    'credentials-exchange': ['first', 'second'],
  });
  await registry.refresh();
  runner = new WorkerActionRunner({ registry, storage, timeoutMs: LIMIT_MS, resolveFrom: process.cwd() });
});

afterEach(async () => {
  await runner?.close();
  runner = undefined;
  await storage.close();
});

describe('the time limit', () => {
  it('is shared by all actions of one flow: two that fit alone exceed it together', async () => {
    const r = runner as WorkerActionRunner;
    // Starts the worker, so that its start-up is not part of the flows below.
    expect((await r.credentialsExchange(exchange({}))).accessTokenClaims).toEqual({
      'https://x.test/first': true,
      'https://x.test/second': true,
    });
    // One action waiting WAIT_MS fits in LIMIT_MS.
    expect((await r.credentialsExchange(exchange({ wait: WAIT_MS }))).accessTokenClaims).toEqual({
      'https://x.test/first': true,
      'https://x.test/second': true,
    });
    // Both waiting: 2 × WAIT_MS > LIMIT_MS, so the second runs out of the flow's time.
    const error = await r.credentialsExchange(exchange({ wait: WAIT_MS, both: true })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedByAction);
    expect((error as AccessDeniedByAction).code).toBe('ERR_ACTION_TIMEOUT');
    expect((error as AccessDeniedByAction).action).toBe('second');
    expect((error as AccessDeniedByAction).reason).toBe('Script Execution Time Exceeded');
  });

  it('starts again with each flow', async () => {
    const r = runner as WorkerActionRunner;
    await r.credentialsExchange(exchange({})); // starts the worker
    for (let flow = 0; flow < 3; flow++) {
      // Three flows of WAIT_MS each: more than the limit in total, each within it.
      expect(Object.keys((await r.credentialsExchange(exchange({ wait: WAIT_MS }))).accessTokenClaims)).toHaveLength(2);
    }
  });
});
