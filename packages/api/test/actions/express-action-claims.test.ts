import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTenant, type Tenant } from '@authmesh/server';
import { fixtureConfig, loginForCode } from '@authmesh/testkit';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth } from '../../src/express.ts';

const CATALOG = 'https://catalog.example.test';
const ROLES = 'https://shop.example.test/roles';

/**
 * An Express API on the SDK sees what a tenant's post-login action put into the user's access token, as
 * an API behind Auth0 sees its tenant's Actions claims.
 */
describe('an Express API on @authmesh/api behind a tenant with a post-login action', () => {
  let tenant: Tenant;
  let api: Server;
  let apiUrl: string;

  beforeAll(async () => {
    tenant = await createTenant({
      port: 0,
      dataDir: null,
      config: fixtureConfig({
        actions: [
          {
            name: 'roles-in-tokens',
            code: `exports.onExecutePostLogin = async (event, api) => {
              api.accessToken.setCustomClaim('${ROLES}', event.authorization.roles);
            };`,
            runtime: 'node22',
            dependencies: [],
            secrets: [],
            supported_triggers: [{ id: 'post-login', version: 'v3' }],
          },
        ],
        triggers: { 'post-login': ['roles-in-tokens'] },
      }),
    });
    const app = express();
    app.use(auth({ issuerBaseURL: tenant.issuer, audience: CATALOG }));
    app.get('/me', (req, res) => {
      res.json({ roles: req.auth?.claims[ROLES] ?? null });
    });
    api = app.listen(0, '127.0.0.1');
    await once(api, 'listening');
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    api?.close();
    await tenant?.close();
  });

  it('reads the action claim from the verified access token', async () => {
    const flow = await loginForCode({
      issuer: tenant.issuer,
      clientId: 'spa-client-0001',
      redirectUri: 'http://localhost:5173/callback',
      username: 'bob@example.test',
      password: 'staff password 1234',
      scope: 'openid read:catalog',
      audience: CATALOG,
    });
    const tokenResponse = await fetch(new URL('oauth/token', tenant.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: 'spa-client-0001',
        code: flow.code,
        code_verifier: flow.verifier,
        redirect_uri: 'http://localhost:5173/callback',
      }),
    });
    const { access_token } = (await tokenResponse.json()) as { access_token: string };
    const me = await fetch(`${apiUrl}/me`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ roles: ['Staff'] });
  });
});
