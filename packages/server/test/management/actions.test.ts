import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthenticationClient, Management, ManagementClient } from 'auth0';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { managementApiIdentifier } from '../../src/tenant/management-api.ts';
import { ADMIN, bind, errorBody, freePort, managementToken, READER, startManagementTenant } from './support.ts';

/**
 * `/api/v2/actions/actions` and `/actions/triggers/{id}/bindings` through the official node `auth0` v5
 * ManagementClient (transport rewritten to http as in node-auth0.test.ts), plus the refusals with raw
 * calls, and durability across a restart on the same data directory.
 */
let dataDir: string;
let port: number;
let tenant: Tenant;
let management: ManagementClient;

const httpFetch: typeof fetch = (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  return fetch(url.replace(/^https:\/\//, 'http://'), init);
};

async function connect(): Promise<void> {
  const domain = new URL(tenant.issuer).host;
  const auth = new AuthenticationClient({
    domain,
    clientId: ADMIN.clientId,
    clientSecret: ADMIN.clientSecret,
    fetch: httpFetch,
  });
  const { data } = await auth.oauth.clientCredentialsGrant({ audience: managementApiIdentifier(tenant.issuer) });
  management = new ManagementClient({ domain, token: data.access_token });
  (management as unknown as { _options: { fetch: typeof fetch } })._options.fetch = httpFetch;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'authmesh-actions-api-'));
  port = await freePort();
  tenant = await startManagementTenant({ port, dataDir });
  await connect();
});
afterAll(async () => {
  await tenant?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const CODE_V1 =
  "exports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim('https://x.test/v', 1); };";
const CODE_V2 =
  "exports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim('https://x.test/v', 2); };";

describe('node auth0 ManagementClient.actions', () => {
  let actionId = '';

  it('creates an action (201, draft, not deployed), never returning secret values', async () => {
    const created = await management.actions.create({
      name: 'add-version',
      code: CODE_V1,
      runtime: 'node22',
      dependencies: [{ name: 'lodash', version: '4.17.21' }],
      secrets: [{ name: 'API_KEY', value: 'secret-value-1' }],
      supported_triggers: [{ id: 'post-login', version: 'v3' }],
    });
    actionId = created.id ?? '';
    expect(actionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(created).toMatchObject({
      name: 'add-version',
      code: CODE_V1,
      all_changes_deployed: false,
      status: 'built',
      supported_triggers: [{ id: 'post-login', version: 'v3' }],
      dependencies: [{ name: 'lodash', version: '4.17.21' }],
    });
    expect(created.secrets).toEqual([{ name: 'API_KEY', updated_at: expect.any(String) }]);
    expect(JSON.stringify(created)).not.toContain('secret-value-1');
    expect(created.deployed_version).toBeUndefined();
  });

  it('refuses to bind an action that is not deployed, then binds it once deployed', async () => {
    await expect(
      management.actions.triggers.bindings.updateMany('post-login', {
        bindings: [{ ref: { type: 'action_name', value: 'add-version' }, display_name: 'Add version' }],
      }),
    ).rejects.toBeInstanceOf(Management.BadRequestError);

    const version = await management.actions.deploy(actionId);
    expect(version).toMatchObject({ action_id: actionId, deployed: true, number: 1, code: CODE_V1 });

    const bound = await management.actions.triggers.bindings.updateMany('post-login', {
      bindings: [{ ref: { type: 'action_id', value: actionId }, display_name: 'Add version' }],
    });
    expect(bound.bindings?.map((b) => [b.trigger_id, b.display_name, b.action?.name])).toEqual([
      ['post-login', 'Add version', 'add-version'],
    ]);
    const listed = await management.actions.triggers.bindings.list('post-login');
    expect(listed.data.map((b) => b.action?.id)).toEqual([actionId]);
  });

  it('keeps running the deployed version while an update is a draft, until the next deploy', async () => {
    const updated = await management.actions.update(actionId, { code: CODE_V2, secrets: [{ name: 'API_KEY' }] });
    expect(updated).toMatchObject({ code: CODE_V2, all_changes_deployed: false });
    expect(updated.deployed_version).toMatchObject({ code: CODE_V1, number: 1 });
    const deployed = await management.actions.deploy(actionId);
    expect(deployed).toMatchObject({ number: 2, code: CODE_V2 });
    const got = await management.actions.get(actionId);
    expect(got).toMatchObject({ all_changes_deployed: true, code: CODE_V2 });
    const versions = await management.actions.versions.list(actionId);
    expect(versions.data.map((v) => [v.id, v.number, v.deployed])).toEqual([[deployed.id, 2, true]]);
    expect(await management.actions.versions.get(actionId, deployed.id ?? '')).toMatchObject({ code: CODE_V2 });
  });

  it('lists with Auth0 filters and the {actions, total, page, per_page} envelope', async () => {
    await management.actions.create({
      name: 'on-m2m',
      code: 'exports.onExecuteCredentialsExchange = async () => {};',
      supported_triggers: [{ id: 'credentials-exchange', version: 'v2' }],
    });
    const all: string[] = [];
    for await (const action of await management.actions.list({ per_page: 1 })) all.push(action.name ?? '');
    expect(all).toEqual(['add-version', 'on-m2m']);
    const postLogin = await management.actions.list({ triggerId: 'post-login' });
    expect(postLogin.data.map((a) => a.name)).toEqual(['add-version']);
    const undeployed = await management.actions.list({ deployed: false });
    expect(undeployed.data.map((a) => a.name)).toEqual(['on-m2m']);
    const triggers = await management.actions.triggers.list();
    expect(triggers.triggers?.map((t) => t.id)).toEqual(
      expect.arrayContaining(['post-login', 'credentials-exchange', 'send-phone-message']),
    );
  });

  it('refuses to delete a bound action without force; force detaches it', async () => {
    await expect(management.actions.delete(actionId)).rejects.toMatchObject({ statusCode: 409 });
    await management.actions.delete(actionId, { force: true });
    await expect(management.actions.get(actionId)).rejects.toBeInstanceOf(Management.NotFoundError);
    const listed = await management.actions.triggers.bindings.list('post-login');
    expect(listed.data).toEqual([]);
  });
});

describe('refusals', () => {
  it('answers Auth0 payload errors, scope errors, 501 for triggers authmesh does not run', async () => {
    const call = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
    expect(await call('POST', '/actions/actions', { body: { code: '' } })).toMatchObject({
      status: 400,
      json: errorBody(400, "Payload validation error: 'Missing required property: name'.", 'invalid_body'),
    });
    const syntax = await call('POST', '/actions/actions', {
      body: { name: 'broken', code: 'exports.x = (;', supported_triggers: [{ id: 'post-login' }] },
    });
    expect(syntax.status).toBe(400);
    expect((syntax.json as { message: string }).message).toMatch(/SyntaxError: .* \(line 1, column \d+\)/);
    const sms = await call('POST', '/actions/actions', {
      body: { name: 'sms', code: '', supported_triggers: [{ id: 'send-phone-message', version: 'v2' }] },
    });
    expect(sms.status).toBe(501);
    expect(sms.json).toMatchObject({ errorCode: 'not_emulated' });
    expect(
      await call('PATCH', '/actions/triggers/send-phone-message/bindings', { body: { bindings: [] } }),
    ).toMatchObject({
      status: 200,
      json: { bindings: [] },
    });
    expect(
      (
        await call('PATCH', '/actions/triggers/post-login/bindings', {
          body: { bindings: [{ ref: { type: 'action_name', value: 'nope' } }] },
        })
      ).status,
    ).toBe(400);

    const reader = bind(tenant.issuer, await managementToken(tenant.issuer, READER));
    expect((await reader('GET', '/actions/actions')).status).toBe(403);
  });
});

describe('durability', () => {
  it('actions, deploys and bindings survive a restart on the same data directory', async () => {
    const call = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
    const created = await call('POST', '/actions/actions', {
      body: {
        name: 'durable',
        code: 'exports.onExecuteCredentialsExchange = async () => {};',
        supported_triggers: [{ id: 'credentials-exchange', version: 'v2' }],
        secrets: [{ name: 'K', value: 'v' }],
        deploy: true,
      },
    });
    expect(created.status).toBe(201);
    const id = (created.json as { id: string }).id;
    expect(
      (
        await call('PATCH', '/actions/triggers/credentials-exchange/bindings', {
          body: { bindings: [{ ref: { type: 'action_name', value: 'durable' } }] },
        })
      ).status,
    ).toBe(200);
    await tenant.close();
    tenant = await startManagementTenant({ port, dataDir });
    const again = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
    expect((await again('GET', `/actions/actions/${id}`)).json).toMatchObject({
      name: 'durable',
      all_changes_deployed: true,
    });
    const bindings = await again('GET', '/actions/triggers/credentials-exchange/bindings');
    expect(bindings.json).toMatchObject({ bindings: [{ display_name: 'durable', action: { id } }], total: 1 });
  });
});
