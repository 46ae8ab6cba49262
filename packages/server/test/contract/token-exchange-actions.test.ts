import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import { action, storeActions } from '../actions/helpers.ts';
import { ALICE, BOB, config, exchange, ORDERS, ORDERS_API_CLIENT, userToken } from './token-exchange-support.ts';

/*
 * Auth0 runs post-login for the On-Behalf-Of exchange with `event.transaction.protocol =
 * 'oauth2-token-exchange'` and the delegation chain in `event.transaction.actor`; its claims land in the
 * exchanged token and its deny refuses the exchange.
 */

const NS = 'https://shop.example.test';

const onBehalfOf = action(
  'on-behalf-of',
  `exports.onExecutePostLogin = async (event, api) => {
     if (event.transaction.protocol !== 'oauth2-token-exchange') return;
     if (event.user.email.startsWith('bob')) return api.access.deny('Staff may not be represented');
     api.accessToken.setCustomClaim('${NS}/protocol', event.transaction.protocol);
     api.accessToken.setCustomClaim('${NS}/actor', event.transaction.actor);
     api.accessToken.setCustomClaim('${NS}/audience', event.resource_server.identifier);
   };`,
);

describe('post-login on the On-Behalf-Of exchange', () => {
  let storage: Storage;
  let tenant: Tenant;
  beforeAll(async () => {
    storage = openSqliteStorage({ path: ':memory:' });
    await storeActions(storage, [onBehalfOf], { 'post-login': ['on-behalf-of'] });
    tenant = await createTenant({ config: config(), port: 0, storage, actionTimeoutMs: 5_000 });
  });
  afterAll(async () => {
    await tenant?.close();
    await storage?.close();
  });

  it('runs with protocol oauth2-token-exchange and the actor, and its claims reach the token', async () => {
    const subject = await userToken(tenant, ALICE, ORDERS);
    // The subject token came from the password grant: the action added nothing to it.
    expect(decodeJwt(subject)[`${NS}/protocol`]).toBeUndefined();
    const reply = await exchange(tenant, subject);
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    const payload = decodeJwt(String(reply.json.access_token));
    expect(payload[`${NS}/protocol`]).toBe('oauth2-token-exchange');
    expect(payload[`${NS}/actor`]).toEqual({ sub: `${ORDERS_API_CLIENT.id}@clients`, client_id: ORDERS_API_CLIENT.id });
    expect(payload[`${NS}/audience`]).toBe('https://catalog.example.test');
    expect(payload.act).toEqual(payload[`${NS}/actor`]);
  });

  it("an action's deny refuses the exchange with 403 access_denied and its reason", async () => {
    const subject = await userToken(tenant, BOB, ORDERS);
    const reply = await exchange(tenant, subject);
    expect(reply.status).toBe(403);
    expect(reply.json).toEqual({ error: 'access_denied', error_description: 'Staff may not be represented' });
  });
});
