import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { notEmulatedScopes } from '../../src/management/empty-resources.ts';
import { MANAGEMENT_API_SCOPES } from '../../src/tenant/management-api.ts';
import {
  ADMIN,
  bind,
  CATALOG,
  errorBody,
  freePort,
  managementToken,
  ORDERS,
  READER,
  startManagementTenant,
} from './support.ts';

/*
 * What the Deploy CLI's default configuration reads beyond clients, APIs, grants and roles: the resource
 * types authmesh does not emulate answer as an empty Auth0 tenant does, writes that would change them are
 * refused with 501 naming the type, Auth0's global client is found, and the tenant settings are read and
 * written. The real `a0deploy` round trip is in deploy-cli.test.ts.
 */

let dataDir: string;
let port: number;
let tenant: Tenant;
let call: ReturnType<typeof bind>;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'authmesh-empty-tenant-'));
  port = await freePort();
  tenant = await startManagementTenant({ port, dataDir });
  call = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
});
afterAll(async () => {
  await tenant?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const notEmulated = (type: string) => ({
  statusCode: 501,
  error: 'Not Implemented',
  message: expect.stringMatching(new RegExp(`^authmesh does not emulate ${type}: .*AUTH0_EXCLUDED`)),
  errorCode: 'not_emulated',
});

describe('resource types authmesh does not emulate', () => {
  it('lists are empty, in the paging shape Auth0 uses for each', async () => {
    expect((await call('GET', '/rules')).json).toEqual([]);
    expect((await call('GET', '/rules?page=0&per_page=100&include_totals=true')).json).toEqual({
      start: 0,
      limit: 100,
      total: 0,
      rules: [],
    });
    expect((await call('GET', '/organizations?take=50')).json).toEqual({ organizations: [] });
    expect((await call('GET', '/actions/actions?page=0&per_page=100')).json).toEqual({
      actions: [],
      total: 0,
      page: 0,
      per_page: 100,
    });
    // Auth0 lists every trigger, bound or not (actions are emulated: management/action-triggers.ts).
    const triggers = (await call('GET', '/actions/triggers')).json as { triggers: { id: string }[] };
    expect(triggers.triggers.map((t) => t.id)).toEqual(expect.arrayContaining(['post-login', 'credentials-exchange']));
    expect((await call('GET', '/actions/triggers/post-login/bindings')).json).toEqual({
      bindings: [],
      total: 0,
      page: 0,
      per_page: 50,
    });
    expect((await call('GET', '/log-streams')).json).toEqual([]);
    expect((await call('GET', '/event-streams?take=50')).json).toEqual({ eventStreams: [] });
  });

  it('settings objects answer the defaults of a new Auth0 tenant; what it does not have is 404', async () => {
    expect((await call('GET', '/attack-protection/brute-force-protection')).json).toMatchObject({
      enabled: true,
      max_attempts: 10,
    });
    expect((await call('GET', '/guardian/factors')).json).toContainEqual({
      name: 'otp',
      enabled: false,
      trial_expired: false,
    });
    expect((await call('GET', '/prompts')).json).toMatchObject({ universal_login_experience: 'new' });
    const provider = await call('GET', '/emails/provider');
    expect(provider.status).toBe(404);
    expect(provider.json).toEqual(errorBody(404, 'No email provider configured', 'inexistent_email_provider'));
    expect((await call('GET', '/email-templates/verify_email')).status).toBe(404);
  });

  it('a write that would change one answers 501 naming its Deploy CLI section', async () => {
    const created = await call('POST', '/rules', { body: { name: 'r', script: 'function () {}' } });
    expect(created.status).toBe(501);
    expect(created.json).toEqual(notEmulated('rules'));
    const changed = await call('PATCH', '/attack-protection/brute-force-protection', {
      body: { enabled: false },
    });
    expect(changed.status).toBe(501);
    expect(changed.json).toEqual(notEmulated('attackProtection'));
    expect((await call('PUT', '/guardian/factors/otp', { body: { enabled: true } })).json).toEqual(
      notEmulated('guardianFactors'),
    );
    expect((await call('PATCH', '/emails/provider', { body: { name: 'sendgrid' } })).status).toBe(501);
    // Still the default afterwards.
    expect((await call('GET', '/attack-protection/brute-force-protection')).json).toMatchObject({ enabled: true });
  });

  it('a write that sets a settings object to what it is succeeds (a0deploy import of its own export)', async () => {
    const same = await call('PATCH', '/attack-protection/brute-force-protection', {
      body: { enabled: true, max_attempts: 10, shields: ['block', 'user_notification'] },
    });
    expect(same.status).toBe(200);
    expect(same.json).toMatchObject({ enabled: true, max_attempts: 10 });
    expect((await call('PUT', '/guardian/policies', { body: [] })).status).toBe(200);
    expect((await call('PUT', '/guardian/policies', { body: ['all-applications'] })).status).toBe(501);
  });

  it("keeps Auth0's scopes: a token without read:rules is refused before anything is read", async () => {
    const reader = bind(tenant.issuer, await managementToken(tenant.issuer, READER));
    const reply = await reader('GET', '/rules');
    expect(reply.status).toBe(403);
    expect(reply.json).toEqual(errorBody(403, 'Insufficient scope, expected any of: read:rules', 'insufficient_scope'));
  });

  it("every scope these routes need is one of the tenant's Management API scopes", () => {
    expect(MANAGEMENT_API_SCOPES).toEqual(expect.arrayContaining(notEmulatedScopes()));
    expect(new Set(MANAGEMENT_API_SCOPES).size).toBe(MANAGEMENT_API_SCOPES.length);
  });
});

describe("Auth0's global client", () => {
  it('GET /clients?is_global=true finds "All Applications"; other listings leave it out', async () => {
    const global = await call('GET', '/clients?is_global=true&page=0&per_page=100&include_totals=true');
    expect(global.json).toMatchObject({ total: 1, clients: [{ name: 'All Applications', global: true }] });
    const [client] = (global.json as { clients: { client_id: string }[] }).clients;
    expect(client?.client_id).toMatch(/^[\w-]{32}$/);
    const all = (await call('GET', '/clients')).json as { name: string }[];
    expect(all.map((c) => c.name)).not.toContain('All Applications');
    expect((await call('GET', '/clients?is_global=true&is_first_party=false')).json).toEqual([]);
  });

  it('it cannot get a token: it is not a client of the tenant', async () => {
    const [client] = (await call('GET', '/clients?is_global=true')).json as { client_id: string }[];
    const response = await fetch(new URL('oauth/token', tenant.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: client?.client_id ?? '',
        client_secret: 'anything',
        audience: CATALOG,
      }),
    });
    expect(response.status).toBe(401);
  });
});

describe('/tenants/settings', () => {
  async function tokenWithoutAudience(): Promise<{ status: number; aud?: unknown }> {
    const response = await fetch(new URL('oauth/token', tenant.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: ORDERS.clientId,
        client_secret: ORDERS.clientSecret,
      }),
    });
    const body = (await response.json()) as { access_token?: string };
    return { status: response.status, aud: body.access_token ? decodeJwt(body.access_token).aud : undefined };
  }

  it('reads the settings the tenant runs with, empty strings for what is unset', async () => {
    expect((await call('GET', '/tenants/settings')).json).toMatchObject({
      friendly_name: '',
      default_audience: '',
      allowed_logout_urls: [],
      session_lifetime: 720,
      idle_session_lifetime: 72,
      enabled_locales: ['en'],
    });
  });

  it('PATCH changes what authmesh honours at once, and stores the rest for the next read', async () => {
    expect((await tokenWithoutAudience()).status).toBe(403);
    const reply = await call('PATCH', '/tenants/settings', {
      body: {
        friendly_name: 'Forum',
        default_audience: CATALOG,
        session_lifetime_in_minutes: 6_000,
        support_email: 'help@example.test',
        flags: { enable_sso: true },
      },
    });
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    expect(reply.json).toMatchObject({
      friendly_name: 'Forum',
      default_audience: CATALOG,
      session_lifetime: 100,
      support_email: 'help@example.test',
      flags: { enable_sso: true },
    });
    // The default audience now applies to a token request that names none.
    expect(await tokenWithoutAudience()).toEqual({ status: 200, aud: CATALOG });
    expect((await call('GET', '/tenants/settings')).json).toMatchObject({
      friendly_name: 'Forum',
      session_lifetime: 100,
      support_email: 'help@example.test',
    });
  });

  it('refuses what tenant.yaml refuses, in Auth0 words, and changes nothing then', async () => {
    const unknownApi = await call('PATCH', '/tenants/settings', { body: { default_audience: 'https://nope.test' } });
    expect(unknownApi.status).toBe(400);
    expect(unknownApi.json).toEqual(
      errorBody(
        400,
        /^Payload validation error: '.*https:\/\/nope\.test.*' on property default_audience\.$/,
        'invalid_body',
      ),
    );
    const idleTooLong = await call('PATCH', '/tenants/settings', { body: { idle_session_lifetime: 5_000 } });
    expect(idleTooLong.json).toEqual(
      errorBody(
        400,
        "Payload validation error: 'idle_session_lifetime (5000 h) must not exceed session_lifetime (100 h)' on property idle_session_lifetime.",
        'invalid_body',
      ),
    );
    const unknownKey = await call('PATCH', '/tenants/settings', { body: { frendly_name: 'x' } });
    expect(unknownKey.json).toEqual(
      errorBody(400, "Payload validation error: 'Additional properties not allowed: frendly_name'.", 'invalid_body'),
    );
    expect((await call('GET', '/tenants/settings')).json).toMatchObject({ default_audience: CATALOG });
  });

  it('needs update:tenant_settings', async () => {
    const reader = bind(tenant.issuer, await managementToken(tenant.issuer, READER));
    expect((await reader('PATCH', '/tenants/settings', { body: { friendly_name: 'x' } })).status).toBe(403);
  });

  it('a restart on the same data directory keeps the PATCHed settings (tenant.yaml unchanged)', async () => {
    await tenant.close();
    tenant = await startManagementTenant({ port, dataDir });
    call = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
    expect((await call('GET', '/tenants/settings')).json).toMatchObject({
      friendly_name: 'Forum',
      default_audience: CATALOG,
      support_email: 'help@example.test',
    });
    expect(await tokenWithoutAudience()).toEqual({ status: 200, aud: CATALOG });
  });
});
