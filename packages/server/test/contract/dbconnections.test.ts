import { fixtureConfig, loginForCode, postJson as post } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, TenantConfig } from '../../src/config/types.ts';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import type { AuditEvent } from '../../src/management/types.ts';

/*
 * Auth0's Authentication API for database connections: POST /dbconnections/signup and
 * /dbconnections/change_password, the outbox page the reset e-mail lands on, and its reset link.
 */

const SPA = 'spa-client-0001';
const CALLBACK = 'http://localhost:5173/callback';
const DB = 'Username-Password-Authentication';

const closedDatabase: Connection = {
  name: 'Closed-Database',
  strategy: 'auth0',
  options: { disable_signup: true },
  database: { disable_signup: true, requires_username: false, passwordPolicy: 'good', brute_force_protection: true },
};
const otherAppsDatabase: Connection = {
  name: 'Back-Office-Staff',
  strategy: 'auth0',
  enabled_clients: ['Back Office'],
  options: {},
  database: { disable_signup: false, requires_username: false, passwordPolicy: 'low', brute_force_protection: true },
};

function config(): TenantConfig {
  const base = fixtureConfig();
  return { ...base, connections: [...base.connections, closedDatabase, otherAppsDatabase] };
}

describe('/dbconnections', () => {
  let tenant: Tenant;
  const audit: AuditEvent[] = [];
  beforeAll(async () => {
    tenant = await createTenant({ config: config(), port: 0, dataDir: null, onAudit: (e) => audit.push(e) });
  });
  afterAll(() => tenant.close());

  it('signup creates a database user who can then log in', async () => {
    const reply = await post(tenant, 'dbconnections/signup', {
      client_id: SPA,
      connection: DB,
      email: 'Carol@Example.test',
      password: 'Sunny-Day-42',
      given_name: 'Carol',
      user_metadata: { plan: 'trial' },
    });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
      email_verified: false,
      email: 'carol@example.test',
      given_name: 'Carol',
      user_metadata: { plan: 'trial' },
    });
    const login = await loginForCode({
      issuer: tenant.issuer,
      clientId: SPA,
      redirectUri: CALLBACK,
      username: 'carol@example.test',
      password: 'Sunny-Day-42',
    });
    expect(login.code).toBeTruthy();
    expect(audit.some((e) => e.action.startsWith('POST /dbconnections/signup'))).toBe(true);
  });

  it('signup of an existing e-mail: 400 invalid_signup, which does not confirm the account exists', async () => {
    const reply = await post(tenant, 'dbconnections/signup', {
      client_id: SPA,
      connection: DB,
      email: 'alice@example.test',
      password: 'Another-Pass-77',
    });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({
      name: 'BadRequestError',
      code: 'invalid_signup',
      description: 'Invalid sign up',
      statusCode: 400,
    });
  });

  it('a weak password: 400 PasswordStrengthError with the policy rules (Auth0 "good")', async () => {
    const reply = await post(tenant, 'dbconnections/signup', {
      client_id: SPA,
      connection: DB,
      email: 'dave@example.test',
      password: 'abcdefgh',
    });
    expect(reply.status).toBe(400);
    const body = reply.json as Record<string, unknown>;
    expect(body.name).toBe('PasswordStrengthError');
    expect(body.code).toBe('invalid_password');
    expect(body.policy).toContain('* At least 8 characters in length');
    const rules = (body.description as { rules: { code: string; verified: boolean }[] }).rules;
    expect(rules.find((r) => r.code === 'lengthAtLeast')?.verified).toBe(true);
    expect(rules.find((r) => r.code === 'containsAtLeast')?.verified).toBe(false);
  });

  it('refuses sign-ups where the connection has disable_signup, or is not enabled for the client', async () => {
    const closed = await post(tenant, 'dbconnections/signup', {
      client_id: SPA,
      connection: closedDatabase.name,
      email: 'erin@example.test',
      password: 'Sunny-Day-42',
    });
    expect(closed.status).toBe(400);
    expect((closed.json as { code: string }).code).toBe('operation_not_allowed');
    const other = await post(tenant, 'dbconnections/signup', {
      client_id: SPA,
      connection: otherAppsDatabase.name,
      email: 'erin@example.test',
      password: 'Sunny-Day-42',
    });
    expect(other.status).toBe(401);
    expect((other.json as { code: string }).code).toBe('unauthorized');
    const unknown = await post(tenant, 'dbconnections/signup', {
      client_id: SPA,
      connection: 'No-Such-Db',
      email: 'erin@example.test',
      password: 'Sunny-Day-42',
    });
    expect(unknown.status).toBe(400);
    expect((unknown.json as { code: string }).code).toBe('invalid_connection');
  });

  it('answers CORS for an allowed web origin of the client, not for another origin', async () => {
    const body = { client_id: SPA, connection: DB, email: 'frank@example.test', password: 'Sunny-Day-42' };
    const allowed = await post(tenant, 'dbconnections/signup', body, { origin: 'http://localhost:5173' });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const other = await post(
      tenant,
      'dbconnections/signup',
      { ...body, email: 'gina@example.test' },
      { origin: 'https://evil.example' },
    );
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const preflight = (origin: string) =>
      fetch(new URL('dbconnections/signup', tenant.issuer), {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const known = await preflight('http://localhost:5173');
    expect(known.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(known.headers.get('access-control-allow-headers')).toContain('Content-Type');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('change_password: same answer for known and unknown addresses; the e-mail reaches the outbox and the log', async () => {
    const known = await post(tenant, 'dbconnections/change_password', {
      client_id: SPA,
      connection: DB,
      email: 'bob@example.test',
    });
    const unknown = await post(tenant, 'dbconnections/change_password', {
      client_id: SPA,
      connection: DB,
      email: 'nobody@example.test',
    });
    expect(known.status).toBe(200);
    expect(known.json).toBe("We've just sent you an email to reset your password.");
    expect(unknown).toMatchObject({ status: known.status, json: known.json });

    const line = audit.find((e) => e.action.startsWith('POST /dbconnections/change_password'));
    expect(line?.target).toEqual({ to: 'bob@example.test', outbox: `${tenant.issuer}u/outbox` });
    // The log names where to read the e-mail, never the reset link itself.
    expect(JSON.stringify(audit)).not.toContain('ticket=');

    const outbox = await (await fetch(new URL('u/outbox', tenant.issuer))).text();
    expect(outbox).toContain('bob@example.test');
    expect(outbox).not.toContain('nobody@example.test');
    const link = /href="([^"]*reset-password\?ticket=[^"]+)"/.exec(outbox)?.[1]?.replaceAll('&#38;', '&');
    expect(link).toBeDefined();

    const form = await fetch(String(link));
    expect(form.status).toBe(200);
    const ticket = new URL(String(link)).searchParams.get('ticket') ?? '';
    const weak = await fetch(new URL('u/reset-password', tenant.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ticket, password: 'short' }),
    });
    expect(weak.status).toBe(400);
    const reset = await fetch(new URL('u/reset-password', tenant.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ticket, password: 'Brand-New-Pass-9' }),
    });
    expect(reset.status).toBe(200);
    expect(await reset.text()).toContain('Password changed!');
    // Single use.
    const again = await fetch(new URL('u/reset-password', tenant.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ticket, password: 'Brand-New-Pass-10' }),
    });
    expect(again.status).toBe(400);

    const login = await loginForCode({
      issuer: tenant.issuer,
      clientId: SPA,
      redirectUri: CALLBACK,
      username: 'bob@example.test',
      password: 'Brand-New-Pass-9',
    });
    expect(login.code).toBeTruthy();
  });

  it('a reset link with an unknown ticket is refused', async () => {
    const response = await fetch(new URL('u/reset-password?ticket=not-a-ticket', tenant.issuer));
    expect(response.status).toBe(400);
  });
});
