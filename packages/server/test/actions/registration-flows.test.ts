import { fixtureConfig, postJson as post } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionLogLine } from '../../src/actions/types.ts';
import type { TenantConfig } from '../../src/config/types.ts';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import type { UserRecord } from '../../src/tenant/records.ts';
import { action } from './helpers.ts';

/*
 * The registration and password triggers in the database connection's flows, declared in the tenant
 * file: pre-user-registration denies a sign-up (Auth0's `extensibility_error` with the user message) or
 * sets metadata on the user about to be created; post-user-registration sees the created user;
 * post-change-password runs once a reset link set a new password.
 */

const SPA = 'spa-client-0001';
const DB = 'Username-Password-Authentication';

function config(): TenantConfig {
  const base = fixtureConfig();
  return {
    ...base,
    actions: [
      action(
        'screen-signups',
        `exports.onExecutePreUserRegistration = async (event, api) => {
           if (event.user.email.endsWith('@blocked.test')) {
             return api.access.deny('blocked_domain', 'Sign-ups from this domain are closed.');
           }
           api.user.setAppMetadata('plan', 'free');
           api.user.setUserMetadata('signed_up_with', event.client?.name ?? 'unknown');
         };`,
        { supported_triggers: [{ id: 'pre-user-registration', version: 'v2' }] },
      ),
      action(
        'welcome',
        `exports.onExecutePostUserRegistration = async (event) => {
           console.log('registered ' + event.user.email + ' on ' + event.connection.name + ' plan ' + event.user.app_metadata.plan);
         };`,
        { supported_triggers: [{ id: 'post-user-registration', version: 'v2' }] },
      ),
      action(
        'password-audit',
        `exports.onExecutePostChangePassword = async (event) => {
           console.log('password changed for ' + event.user.email + ' from ' + event.request.ip);
         };`,
        { supported_triggers: [{ id: 'post-change-password', version: 'v2' }] },
      ),
    ],
    triggers: {
      'pre-user-registration': ['screen-signups'],
      'post-user-registration': ['welcome'],
      'post-change-password': ['password-audit'],
    },
  };
}

describe('registration and password triggers', () => {
  let tenant: Tenant;
  let storage: Storage;
  const logs: ActionLogLine[] = [];
  beforeAll(async () => {
    storage = openSqliteStorage({ path: ':memory:' });
    tenant = await createTenant({ config: config(), port: 0, storage, onActionLog: (line) => logs.push(line) });
  });
  afterAll(async () => {
    await tenant?.close();
    await storage?.close();
  });

  it('pre-user-registration sets metadata on the new user; post-user-registration sees it', async () => {
    const reply = await post(tenant, 'dbconnections/signup', {
      client_id: SPA,
      connection: DB,
      email: 'dana@example.test',
      password: 'Sunny-Day-42',
      user_metadata: { theme: 'dark' },
    });
    expect(reply.status).toBe(200);
    const user = (await storage.entities.getByKey<UserRecord>('user', 'dana@example.test'))?.doc;
    expect(user?.app_metadata).toEqual({ plan: 'free' });
    expect(user?.user_metadata).toEqual({ theme: 'dark', signed_up_with: 'Shop SPA' });
    expect(logs).toContainEqual({
      action: 'welcome',
      trigger: 'post-user-registration',
      level: 'log',
      message: `registered dana@example.test on ${DB} plan free`,
    });
  });

  it('a denied sign-up answers extensibility_error with the user message and creates nobody', async () => {
    const reply = await post(tenant, 'dbconnections/signup', {
      client_id: SPA,
      connection: DB,
      email: 'eve@blocked.test',
      password: 'Sunny-Day-42',
    });
    expect({ status: reply.status, json: reply.json }).toEqual({
      status: 400,
      json: {
        name: 'BadRequestError',
        code: 'extensibility_error',
        description: 'Sign-ups from this domain are closed.',
        statusCode: 400,
      },
    });
    expect(await storage.entities.getByKey('user', 'eve@blocked.test')).toBeUndefined();
    expect(logs.some((l) => l.message.includes('eve@blocked.test'))).toBe(false);
  });

  it('post-change-password runs once a reset link set the new password', async () => {
    expect(
      (
        await post(tenant, 'dbconnections/change_password', {
          client_id: SPA,
          connection: DB,
          email: 'bob@example.test',
        })
      ).status,
    ).toBe(200);
    const outbox = await (await fetch(new URL('u/outbox', tenant.issuer))).text();
    const link = /href="([^"]*reset-password\?ticket=[^"]+)"/.exec(outbox)?.[1]?.replaceAll('&#38;', '&');
    const ticket = new URL(String(link)).searchParams.get('ticket') ?? '';
    expect(logs.some((l) => l.trigger === 'post-change-password')).toBe(false);
    const reset = await fetch(new URL('u/reset-password', tenant.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ticket, password: 'Brand-New-Pass-9' }),
    });
    expect(reset.status).toBe(200);
    const line = logs.find((l) => l.trigger === 'post-change-password');
    expect(line).toMatchObject({ action: 'password-audit', level: 'log' });
    expect(line?.message).toMatch(/^password changed for bob@example\.test from (::ffff:)?127\.0\.0\.1$/);
  });
});
