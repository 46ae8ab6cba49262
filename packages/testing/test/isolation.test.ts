import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTenant, type TestTenant } from '../src/index.ts';

/*
 * Test files run in parallel, each with its own tenant (this file and the others in this folder start theirs
 * at the same time); here two tenants of one file, started together, share nothing.
 */
const FILE = new URL('./fixtures/tenant.yaml', import.meta.url).pathname;
const CATALOG = 'https://catalog.kit.test';

let first: TestTenant;
let second: TestTenant;
beforeAll(async () => {
  [first, second] = await Promise.all([startTenant({ file: FILE }), startTenant({ file: FILE })]);
});
afterAll(() => Promise.all([first.stop(), second.stop()]));

it('gives each tenant its own port, issuer, generated secrets and users', async () => {
  expect(first.port).not.toBe(second.port);
  expect(first.issuer).not.toBe(second.issuer);
  expect(first.client('Orders Service').client_secret).not.toBe(second.client('Orders Service').client_secret);

  await first.users.create({ email: 'only-here@kit.test', password: 'only-here-password' });
  const user = { email: 'only-here@kit.test', password: 'only-here-password' };
  await expect(first.userToken({ user, client: 'Shop SPA', audience: CATALOG })).resolves.toHaveProperty(
    'access_token',
  );
  await expect(second.userToken({ user, client: 'Shop SPA', audience: CATALOG })).rejects.toMatchObject({
    code: 'ERR_TESTING_LOGIN',
  });
});

it("refuses one tenant's client secret at the other", async () => {
  const response = await fetch(new URL('oauth/token', second.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: first.client('Orders Service').client_id,
      client_secret: first.client('Orders Service').client_secret ?? '',
      audience: CATALOG,
    }),
  });
  expect(response.status).toBe(401);
});
