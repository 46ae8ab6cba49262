import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTenant, type TestTenant } from '../src/index.ts';

const FILE = new URL('./fixtures/tenant.yaml', import.meta.url).pathname;
const CATALOG = 'https://catalog.kit.test';

let tenant: TestTenant;
beforeAll(async () => {
  tenant = await startTenant({ file: FILE });
});
afterAll(() => tenant.stop());

describe('startTenant', () => {
  it('serves its issuer on a port of its own, with the clients and their generated secrets', async () => {
    expect(tenant.issuer).toBe(`http://localhost:${tenant.port}/`);
    const discovery = (await (await fetch(new URL('.well-known/openid-configuration', tenant.issuer))).json()) as {
      issuer: string;
    };
    expect(discovery.issuer).toBe(tenant.issuer);
    expect(tenant.client('Orders Service').client_secret).toMatch(/^[A-Za-z0-9]{64}$/);
  });

  it('issues a client-credentials token that verifies against the tenant keys', async () => {
    const { access_token } = await tenant.clientCredentials({ client: 'Orders Service', audience: CATALOG });
    const { payload } = await jwtVerify(
      access_token,
      createRemoteJWKSet(new URL('.well-known/jwks.json', tenant.issuer)),
      {
        issuer: tenant.issuer,
        audience: CATALOG,
      },
    );
    expect(payload.sub).toBe(`${tenant.client('Orders Service').client_id}@clients`);
    expect(payload.scope).toBe('read:products');
  });

  it('runs the real login for a user token, with the permissions of the user roles', async () => {
    const tokens = await tenant.userToken({ user: 'staff@kit.test', client: 'Shop SPA', audience: CATALOG });
    expect(tokens.id_token).toBeDefined();
    const claims = decodeJwt(tokens.access_token);
    expect(claims.aud).toEqual([CATALOG, `${tenant.issuer}userinfo`]);
    expect(claims.permissions).toEqual(['read:products', 'write:stock']);
  });

  it('refuses a login with a wrong password with a coded error', async () => {
    await expect(
      tenant.userToken({ user: { email: 'staff@kit.test', password: 'wrong' }, client: 'Shop SPA', audience: CATALOG }),
    ).rejects.toMatchObject({ code: 'ERR_TESTING_LOGIN' });
  });

  it('creates and changes users at run time; the next token reflects it; reset removes them', async () => {
    await tenant.users.create({ email: 'new@kit.test', password: 'new-user-kit-password', roles: ['Customer'] });
    const before = decodeJwt(
      (await tenant.userToken({ user: 'new@kit.test', client: 'Shop SPA', audience: CATALOG })).access_token,
    );
    expect(before.permissions).toEqual(['read:products']);

    await tenant.users.update('new@kit.test', { roles: ['Staff'] });
    const after = decodeJwt(
      (await tenant.userToken({ user: 'new@kit.test', client: 'Shop SPA', audience: CATALOG })).access_token,
    );
    expect(after.permissions).toEqual(['read:products', 'write:stock']);

    await tenant.reset();
    await expect(
      tenant.userToken({
        user: { email: 'new@kit.test', password: 'new-user-kit-password' },
        client: 'Shop SPA',
        audience: CATALOG,
      }),
    ).rejects.toMatchObject({ code: 'ERR_TESTING_LOGIN' });
    const seeded = await tenant.userToken({ user: 'customer@kit.test', client: 'Shop SPA', audience: CATALOG });
    expect(decodeJwt(seeded.access_token).permissions).toEqual(['read:products']);
  });

  it('refuses the control API without the per-run token', async () => {
    const response = await fetch(new URL('__authmesh/test/reset', tenant.issuer), { method: 'POST' });
    expect(response.status).toBe(401);
  });
});
