import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixtureConfig } from '@authmesh/testkit';
import express, { type ErrorRequestHandler } from 'express';
import { auth, requiredScopes } from 'express-oauth2-jwt-bearer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/index.ts';

const AUDIENCE = 'https://catalog.example.test';

/**
 * Auth0's own Express middleware, unchanged, protecting an API with tokens from the tenant: what API 1 of
 * the forum's system does when it trusts the tenant instead of a cloud Auth0.
 */
describe('express-oauth2-jwt-bearer against the tenant', () => {
  let tenant: Tenant;
  let api: Server;
  let apiUrl: string;

  beforeAll(async () => {
    tenant = await createTenant({ config: fixtureConfig(), port: 0, dataDir: null });
    const app = express();
    app.use(auth({ issuerBaseURL: tenant.issuer, audience: AUDIENCE }));
    app.get('/products', requiredScopes('read:catalog'), (_req, res) => {
      res.json({ products: [] });
    });
    app.post('/stock', requiredScopes('adjust:stock'), (_req, res) => {
      res.json({ adjusted: true });
    });
    const onError: ErrorRequestHandler = (err, _req, res, _next) => {
      res
        .status(err.status ?? 500)
        .set(err.headers ?? {})
        .json({ error: err.code ?? 'server_error' });
    };
    app.use(onError);
    api = app.listen(0, '127.0.0.1');
    await once(api, 'listening');
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    api?.close();
    await tenant?.close();
  });

  async function m2mToken(): Promise<string> {
    const response = await fetch(`${tenant.issuer}oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'orders-m2m-0001',
        client_secret: 'orders-secret-0123456789abcdef0123456789abcdef',
        audience: AUDIENCE,
      }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  it('accepts a client-credentials token that carries the required scope', async () => {
    const response = await fetch(`${apiUrl}/products`, { headers: { authorization: `Bearer ${await m2mToken()}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ products: [] });
  });

  it('answers 403 insufficient_scope when the granted scopes lack the required one', async () => {
    const response = await fetch(`${apiUrl}/stock`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await m2mToken()}` },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(response.headers.get('www-authenticate')).toContain('scope="adjust:stock"');
  });

  it('answers 401 invalid_token for a token signed by someone else', async () => {
    const token = await m2mToken();
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${Buffer.alloc(256, 1).toString('base64url')}`;
    const response = await fetch(`${apiUrl}/products`, { headers: { authorization: `Bearer ${forged}` } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});
