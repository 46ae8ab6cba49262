import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { ADMIN, bind, errorBody, managementToken, READER, startManagementTenant } from './support.ts';

/*
 * `/api/v2/connections` in Auth0's shapes, and the options a running tenant honours right after a change.
 */

const DB = 'Username-Password-Authentication';

describe('/api/v2/connections', () => {
  let tenant: Tenant;
  let call: ReturnType<typeof bind>;
  let reader: ReturnType<typeof bind>;
  beforeAll(async () => {
    tenant = await startManagementTenant();
    call = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
    reader = bind(tenant.issuer, await managementToken(tenant.issuer, READER));
  });
  afterAll(() => tenant.close());

  it('lists the default database connection, enabled for every client', async () => {
    const reply = await call('GET', '/connections');
    expect(reply.status).toBe(200);
    const [db] = reply.json as Record<string, unknown>[];
    expect(db).toMatchObject({
      id: expect.stringMatching(/^con_[A-Za-z0-9]{16}$/),
      name: DB,
      strategy: 'auth0',
      realms: [DB],
      is_domain_connection: false,
    });
    expect([...((db?.enabled_clients ?? []) as string[])].sort()).toEqual(
      tenant.clients.map((c) => c.client_id).sort(),
    );
  });

  it('creates, filters, reads, updates and deletes a social connection', async () => {
    const created = await call('POST', '/connections', {
      body: {
        name: 'google-oauth2',
        strategy: 'google-oauth2',
        enabled_clients: ['spa-client-0001'],
        options: { scope: ['email'] },
      },
    });
    expect(created.status).toBe(201);
    const id = (created.json as { id: string }).id;
    expect(created.json).toMatchObject({
      name: 'google-oauth2',
      enabled_clients: ['spa-client-0001'],
      options: { scope: ['email'] },
    });

    const duplicate = await call('POST', '/connections', {
      body: { name: 'Google-OAuth2', strategy: 'google-oauth2' },
    });
    expect(duplicate.status).toBe(409);

    const byStrategy = await call('GET', '/connections?strategy=google-oauth2');
    expect((byStrategy.json as { name: string }[]).map((c) => c.name)).toEqual(['google-oauth2']);
    const paged = await call('GET', '/connections?include_totals=true&per_page=1&page=0');
    expect(paged.json).toMatchObject({ start: 0, limit: 1, total: 2 });
    const byName = await call('GET', `/connections?name=${DB}`);
    expect((byName.json as { name: string }[]).map((c) => c.name)).toEqual([DB]);

    const patched = await call('PATCH', `/connections/${id}`, { body: { enabled_clients: [] } });
    expect(patched.status).toBe(200);
    expect((patched.json as { enabled_clients: string[] }).enabled_clients).toEqual([]);
    const rename = await call('PATCH', `/connections/${id}`, { body: { name: 'other' } });
    expect(rename.status).toBe(400);
    expect(rename.json).toEqual(
      errorBody(400, "Payload validation error: 'Additional properties not allowed: name'.", 'invalid_body'),
    );

    const deleted = await call('DELETE', `/connections/${id}`);
    expect(deleted.status).toBe(202);
    expect((await call('GET', `/connections/${id}`)).json).toEqual(
      errorBody(404, 'The connection does not exist', 'inexistent_connection'),
    );
  });

  it('a PATCHed database option applies to the next sign-up (disable_signup)', async () => {
    const [db] = (await call('GET', `/connections?name=${DB}`)).json as { id: string }[];
    const signup = () =>
      fetch(new URL('dbconnections/signup', tenant.issuer), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: 'spa-client-0001',
          connection: DB,
          email: 'ivan@example.test',
          password: 'Strong-Enough-1',
        }),
      });
    const patched = await call('PATCH', `/connections/${db?.id}`, { body: { options: { disable_signup: true } } });
    expect(patched.status).toBe(200);
    const refused = await signup();
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { code: string }).code).toBe('operation_not_allowed');
    await call('PATCH', `/connections/${db?.id}`, {
      body: { options: { disable_signup: false, passwordPolicy: 'fair' } },
    });
    expect((await signup()).status).toBe(200);
  });

  it('the enabled-clients endpoint the Deploy CLI uses: GET pages with a checkpoint, PATCH switches clients', async () => {
    const [db] = (await call('GET', `/connections?name=${DB}`)).json as { id: string }[];
    const all = tenant.clients.map((c) => c.client_id);
    const first = await call('GET', `/connections/${db?.id}/clients?take=2`);
    expect(first.status).toBe(200);
    const page = first.json as { clients: { client_id: string }[]; next?: string };
    expect(page.clients).toEqual(all.slice(0, 2).map((client_id) => ({ client_id })));
    expect(typeof page.next).toBe('string');

    const off = await call('PATCH', `/connections/${db?.id}/clients`, {
      body: [{ client_id: 'spa-client-0001', status: false }],
    });
    expect(off.status).toBe(204);
    const after = (await call('GET', `/connections/${db?.id}`)).json as { enabled_clients: string[] };
    expect(after.enabled_clients).not.toContain('spa-client-0001');
    expect(after.enabled_clients).toHaveLength(all.length - 1);
    // The application can no longer sign users up through that connection.
    const signup = await fetch(new URL('dbconnections/signup', tenant.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: 'spa-client-0001',
        connection: DB,
        email: 'judy@example.test',
        password: 'Strong-Enough-1',
      }),
    });
    expect(signup.status).toBe(401);
    await call('PATCH', `/connections/${db?.id}/clients`, { body: [{ client_id: 'spa-client-0001', status: true }] });
    const back = (await call('GET', `/connections/${db?.id}`)).json as { enabled_clients: string[] };
    expect(back.enabled_clients).toContain('spa-client-0001');
  });

  it('POST /users creates users in any database connection, and only in one', async () => {
    const created = await call('POST', '/connections', {
      body: { name: 'Partners', strategy: 'auth0', enabled_clients: ['spa-client-0001'] },
    });
    expect(created.status).toBe(201);
    const user = await call('POST', '/users', {
      body: { connection: 'Partners', email: 'kim@example.test', password: 'Strong-Enough-1' },
    });
    expect(user.status).toBe(201);
    expect((user.json as { identities: unknown[] }).identities).toEqual([
      { connection: 'Partners', user_id: expect.stringMatching(/^[0-9a-f]{24}$/), provider: 'auth0', isSocial: false },
    ]);
    await call('POST', '/connections', { body: { name: 'github', strategy: 'github' } });
    const social = await call('POST', '/users', {
      body: { connection: 'github', email: 'lee@example.test', password: 'Strong-Enough-1' },
    });
    expect(social.status).toBe(400);
    expect((social.json as { errorCode: string }).errorCode).toBe('inexistent_connection');
  });

  it('refuses an invalid body and a caller without the scope', async () => {
    const bad = await call('POST', '/connections', {
      body: { name: 'x-db', strategy: 'auth0', options: { passwordPolicy: 'strong' } },
    });
    expect(bad.status).toBe(400);
    expect((bad.json as { message: string }).message).toContain('unknown password policy');
    const forbidden = await reader('GET', '/connections');
    expect(forbidden.status).toBe(403);
    expect((forbidden.json as { message: string }).message).toContain('read:connections');
  });
});
