import { createTenant, type Tenant } from '@authmesh/server';
import { fixtureConfig } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/* The test-mode control API exists only when createTenant is given testMode, and only for its token. */
const reset = (tenant: Tenant, authorization?: string) =>
  fetch(new URL('__authmesh/test/reset', tenant.issuer), {
    method: 'POST',
    headers: authorization === undefined ? {} : { authorization },
  });

describe('test-mode control API', () => {
  let plain: Tenant;
  let testing: Tenant;
  beforeAll(async () => {
    [plain, testing] = await Promise.all([
      createTenant({ config: fixtureConfig(), port: 0, dataDir: null }),
      createTenant({ config: fixtureConfig(), port: 0, dataDir: null, testMode: { token: 'per-run-token' } }),
    ]);
  });
  afterAll(() => Promise.all([plain.close(), testing.close()]));

  it('is not served by a tenant started without testMode, even with a token', async () => {
    expect((await reset(plain, 'Bearer per-run-token')).status).toBe(404);
  });

  it('answers 401 without the token or with another one', async () => {
    expect((await reset(testing)).status).toBe(401);
    expect((await reset(testing, 'Bearer per-run-tokeN')).status).toBe(401);
    expect((await reset(testing, 'per-run-token')).status).toBe(401);
  });

  it('resets with the token, answering the users the configuration seeds', async () => {
    const response = await reset(testing, 'Bearer per-run-token');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { users: { email: string }[] };
    expect(body.users.map((u) => u.email).sort()).toEqual(
      fixtureConfig()
        .users.map((u) => u.email)
        .sort(),
    );
  });

  it('refuses a role the tenant does not have with 400 and says which', async () => {
    const response = await fetch(new URL('__authmesh/test/users', testing.issuer), {
      method: 'POST',
      headers: { authorization: 'Bearer per-run-token', 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'carol@example.test', password: 'a long enough password', roles: ['Auditor'] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_body', error_description: 'No role named Auditor.' });
  });
});
