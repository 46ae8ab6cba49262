// An API of your own, tested against a real tenant: tokens the tenant issues, users changed per test.
import type { AddressInfo } from 'node:net';
import { auth, requireScopes } from '@authmesh/api/express';
import { startTenant, type TestTenant } from '@authmesh/testing';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const CATALOG = 'https://catalog.acme.test';

describe('my catalog API', () => {
  let tenant: TestTenant;
  let api: string;
  let close: () => void;

  beforeAll(async () => {
    // One tenant for this file, on a free port, with a throwaway store.
    tenant = await startTenant({ file: 'examples/tenant.yaml' });
    const app = express();
    app.use(auth({ issuerBaseURL: tenant.issuer, audience: CATALOG }));
    app.post('/stock', requireScopes('write:stock'), (_req, res) => {
      res.json({ ok: true });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterEach(() => tenant.reset());
  afterAll(async () => {
    close();
    await tenant.stop();
  });

  const postStock = (token: string) =>
    fetch(`${api}/stock`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

  it('lets a service with the write:stock grant change stock', async () => {
    const { access_token } = await tenant.clientCredentials({ client: 'Inventory Service', audience: CATALOG });
    expect((await postStock(access_token)).status).toBe(200);
  });

  it('refuses a service without it, and says why', async () => {
    const { access_token } = await tenant.clientCredentials({ client: 'Orders Service', audience: CATALOG });
    expect((await postStock(access_token)).status).toBe(403);
    const verdict = await tenant.explain(access_token, { audience: CATALOG, scopes: ['write:stock'] });
    expect(verdict.reasons).toEqual([
      "The token lacks the scope write:stock: the client grant of Orders Service for https://catalog.acme.test gives only read:products; add write:stock to that grant's scope.",
    ]);
  });

  it('follows a user permission given at run time, through the real login', async () => {
    await tenant.users.create({ email: 'clerk@acme.test', password: 'clerk-test-password', roles: ['Customer'] });
    const before = await tenant.userToken({ user: 'clerk@acme.test', client: 'Acme Shop SPA', audience: CATALOG });
    expect((await postStock(before.access_token)).status).toBe(403);

    await tenant.users.update('clerk@acme.test', {
      permissions: [{ permission_name: 'write:stock', resource_server_identifier: CATALOG }],
    });
    const after = await tenant.userToken({ user: 'clerk@acme.test', client: 'Acme Shop SPA', audience: CATALOG });
    expect((await postStock(after.access_token)).status).toBe(200);
  });
});
