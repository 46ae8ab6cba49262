import { loginForCode } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import {
  ActivityReader,
  CATALOG,
  CUSTOMER,
  clientCredentials,
  clientOf,
  consoleApi,
  INVENTORY_API,
  ORDERS_API,
  SPA_CLIENT_ID,
  sessionToken,
  startConsoleTenant,
} from './support.ts';

/** docs/console.md, "Live activity": what the stream carries, as it happens. */
describe('the console activity stream (loopback)', () => {
  let tenant: Tenant;
  let stream: ActivityReader;

  beforeAll(async () => {
    tenant = await startConsoleTenant();
    stream = await ActivityReader.open(tenant);
  });
  afterAll(async () => {
    stream?.close();
    await tenant?.close();
  });

  it('is an event stream that is never cached', async () => {
    const response = await fetch(new URL('console/api/activity', tenant.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    await response.body?.cancel();
  });

  it('shows a client-credentials token as it is issued, with its claims and (on loopback) the token', async () => {
    const orders = clientOf(tenant, 'Orders Service');
    const issued = await clientCredentials(tenant, orders, CATALOG);
    expect(issued.status).toBe(200);
    const event = await stream.next((e) => e.data.type === 'token' && e.data.client_id === orders.clientId);
    expect(event.event).toBe('activity');
    expect(Number(event.id)).toBe(event.data.id);
    expect(event.data).toMatchObject({
      grant_type: 'client_credentials',
      audience: CATALOG,
      scope: 'read:products',
      subject: `${orders.clientId}@clients`,
      access_token: issued.json.access_token,
      header: { alg: 'RS256' },
      claims: { aud: CATALOG, gty: 'client-credentials' },
    });
    expect(JSON.stringify(stream.events)).not.toContain(orders.clientSecret);
  });

  it('shows a refused request with Auth0’s error and the reason in plain words', async () => {
    const orders = clientOf(tenant, 'Orders Service');
    const refused = await clientCredentials(tenant, orders, INVENTORY_API);
    expect(refused.status).toBe(403);
    const event = await stream.next((e) => e.data.type === 'refusal' && e.data.audience === INVENTORY_API);
    expect(event.data).toMatchObject({
      source: 'token',
      status: 403,
      error: 'access_denied',
      client_id: orders.clientId,
      grant_type: 'client_credentials',
    });
    expect(event.data.reason).toBe(
      'Orders Service has no grant for https://inventory.acme.test (Inventory API): add a client grant (client Orders Service, audience https://inventory.acme.test) with the scopes it needs.',
    );
  });

  it('says which scope a grant lacks, and names a wrong secret as such without echoing it', async () => {
    const inventory = clientOf(tenant, 'Inventory Service');
    const response = await fetch(new URL('oauth/token', tenant.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: inventory.clientId,
        client_secret: inventory.clientSecret,
        audience: CATALOG,
        scope: 'read:products delete:products',
      }),
    });
    expect(response.status).toBe(403);
    const scoped = await stream.next(
      (e) => e.data.type === 'refusal' && e.data.client_id === inventory.clientId && e.data.audience === CATALOG,
    );
    expect(scoped.data.reason).toContain('gives only read:products write:stock, not delete:products');

    const wrong = await clientCredentials(tenant, { ...inventory, clientSecret: 'not-the-secret' }, CATALOG);
    expect(wrong.status).toBe(401);
    const bad = await stream.next((e) => e.data.type === 'refusal' && e.data.status === 401);
    expect(bad.data.reason).toMatch(/^Inventory Service failed client authentication/);
    expect(JSON.stringify(bad.data)).not.toContain('not-the-secret');
  });

  it('shows a refused /authorize: a redirect_uri not among the callbacks, and silent authentication without a session', async () => {
    const authorize = (extra: Record<string, string>) => {
      const url = new URL('authorize', tenant.url);
      const params = {
        client_id: SPA_CLIENT_ID,
        response_type: 'code',
        scope: 'openid',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        ...extra,
      };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return fetch(url, { redirect: 'manual' });
    };
    const wrong = await authorize({ redirect_uri: 'http://localhost:5174/elsewhere' });
    expect(wrong.status).toBe(400);
    const mismatch = await stream.next((e) => e.data.type === 'refusal' && e.data.source === 'authorize');
    expect(mismatch.data).toMatchObject({ error: 'invalid_redirect_uri', client_id: SPA_CLIENT_ID });
    expect(mismatch.data.reason).toBe(
      "The redirect_uri http://localhost:5174/elsewhere is not one of Acme Shop SPA's Allowed Callback URLs (http://localhost:5173/): add it to the application's callbacks, or fix the app's redirect_uri.",
    );

    const silent = await authorize({ redirect_uri: 'http://localhost:5173/', prompt: 'none' });
    expect(silent.status).toBe(303);
    const noSession = await stream.next((e) => e.data.type === 'refusal' && e.data.error === 'login_required');
    expect(noSession.data.reason).toMatch(/^Silent authentication \(prompt=none\) found no session/);
  });

  it('shows a refused revocation as a refusal at /oauth/revoke', async () => {
    const orders = clientOf(tenant, 'Orders Service');
    const revoked = await fetch(new URL('oauth/revoke', tenant.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: orders.clientId, client_secret: 'wrong-secret', token: 'x' }),
    });
    expect(revoked.status).toBe(401);
    const event = await stream.next((e) => e.data.type === 'refusal' && e.data.source === 'revoke');
    expect(event.data).toMatchObject({ status: 401, error: 'access_denied', client_id: orders.clientId });
    expect(event.data.reason).toMatch(/^Orders Service failed client authentication/);
  });

  it('shows a login on the login page, the tokens of the SPA and never the password', async () => {
    const { code, verifier } = await loginForCode({
      issuer: tenant.issuer,
      clientId: SPA_CLIENT_ID,
      redirectUri: 'http://localhost:5173/',
      username: CUSTOMER.username,
      password: CUSTOMER.password,
      audience: ORDERS_API,
      scope: 'openid profile email offline_access',
    });
    const login = await stream.next((e) => e.data.type === 'login' && e.data.username === CUSTOMER.username);
    expect(login.data).toMatchObject({ outcome: 'success', client_id: SPA_CLIENT_ID, user_id: expect.any(String) });

    const exchanged = await fetch(new URL('oauth/token', tenant.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: SPA_CLIENT_ID,
        code,
        code_verifier: verifier,
        redirect_uri: 'http://localhost:5173/',
      }),
    });
    const tokens = (await exchanged.json()) as { refresh_token: string; access_token: string };
    expect(exchanged.status).toBe(200);
    const token = await stream.next((e) => e.data.type === 'token' && e.data.grant_type === 'authorization_code');
    expect(token.data).toMatchObject({ client_id: SPA_CLIENT_ID, audience: ORDERS_API, subject: login.data.user_id });
    expect((token.data.claims as { permissions?: unknown }).permissions).toEqual(['create:orders', 'read:orders']);

    // The Orders API exchanges the customer's token for a catalog token on the customer's behalf: `act` names it.
    const ordersApi = clientOf(tenant, 'Orders API (client)');
    const exchange = await fetch(new URL('oauth/token', tenant.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        client_id: ordersApi.clientId,
        client_secret: ordersApi.clientSecret,
        subject_token: tokens.access_token,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        audience: CATALOG,
      }),
    });
    expect(exchange.status).toBe(200);
    const onBehalf = await stream.next((e) => e.data.type === 'token' && e.data.client_id === ordersApi.clientId);
    expect(onBehalf.data).toMatchObject({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      audience: CATALOG,
      subject: login.data.user_id,
      act: { sub: `${ordersApi.clientId}@clients` },
    });

    const refreshed = await fetch(new URL('oauth/token', tenant.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: SPA_CLIENT_ID,
        refresh_token: tokens.refresh_token,
      }),
    });
    expect(refreshed.status).toBe(200);
    await stream.next((e) => e.data.type === 'refresh' && e.data.outcome === 'rotated');
    // The first refresh token again: reuse detection revokes the family, and the stream says so.
    const reused = await fetch(new URL('oauth/token', tenant.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: SPA_CLIENT_ID,
        refresh_token: tokens.refresh_token,
      }),
    });
    expect(reused.status).toBe(403);
    await stream.next((e) => e.data.type === 'refresh' && e.data.outcome === 'reuse_detected');
    const refusal = await stream.next((e) => e.data.type === 'refusal' && e.data.grant_type === 'refresh_token');
    expect(refusal.data.reason).toMatch(/reuse detection revoked its whole family/);
    expect(JSON.stringify(stream.events)).not.toContain(CUSTOMER.password);
  });

  it('shows a failed login with its reason', async () => {
    await expect(
      loginForCode({
        issuer: tenant.issuer,
        clientId: SPA_CLIENT_ID,
        redirectUri: 'http://localhost:5173/',
        username: CUSTOMER.username,
        password: 'a-wrong-password',
      }),
    ).rejects.toThrow(/login did not reach the callback/);
    const failed = await stream.next((e) => e.data.type === 'login' && e.data.outcome === 'failure');
    expect(failed.data).toMatchObject({ username: CUSTOMER.username, client_id: SPA_CLIENT_ID });
    expect(failed.data.reason).toMatch(/^Wrong email or password/);
    expect(JSON.stringify(stream.events)).not.toContain('a-wrong-password');
  });

  it('shows a Management API write (the audit event) made with the console’s own token', async () => {
    const token = await sessionToken(tenant);
    const system = (await consoleApi(tenant, 'system')).json as { client_grants: { id: string; audience: string }[] };
    const grant = system.client_grants.find((g) => g.audience === CATALOG);
    if (!grant) throw new Error('no catalog grant');
    const patched = await fetch(new URL(`api/v2/client-grants/${grant.id}`, tenant.url), {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scope: ['read:products', 'write:stock'] }),
    });
    expect(patched.status).toBe(200);
    const event = await stream.next((e) => e.data.type === 'management');
    expect(event.data).toMatchObject({
      actor: 'authmesh-console',
      action: 'PATCH /client-grants/:id',
      target: { id: grant.id },
      status: 200,
    });
  });
});

describe('refusals of requests without an audience', () => {
  it('name the default audience the request was for, or say that there is none', async () => {
    const withDefault = await startConsoleTenant({
      configure: (config) => ({ ...config, tenant: { ...config.tenant, default_audience: INVENTORY_API } }),
    });
    const without = await startConsoleTenant();
    const streams = [await ActivityReader.open(withDefault), await ActivityReader.open(without)];
    const noAudience = (tenant: Tenant) => {
      const orders = clientOf(tenant, 'Orders Service');
      return fetch(new URL('oauth/token', tenant.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: orders.clientId,
          client_secret: orders.clientSecret,
        }),
      });
    };
    try {
      expect((await noAudience(withDefault)).status).toBe(403);
      const defaulted = await streams[0]?.next((e) => e.data.type === 'refusal');
      expect(defaulted?.data).toMatchObject({ audience: INVENTORY_API });
      expect(defaulted?.data.reason).toMatch(/^Orders Service has no grant for https:\/\/inventory\.acme\.test/);
      expect((await noAudience(without)).status).toBe(403);
      const none = await streams[1]?.next((e) => e.data.type === 'refusal');
      expect(none?.data.reason).toBe(
        'The request names no audience and the tenant has no default audience: send audience=<the API identifier>.',
      );
    } finally {
      for (const stream of streams) stream.close();
      await withDefault.close();
      await without.close();
    }
  });
});

describe('Actions in the activity stream', () => {
  it('shows the lines an Action logs, tagged with the action and its trigger', async () => {
    const tenant = await startConsoleTenant({
      configure: (config) => ({
        ...config,
        actions: config.actions.map(({ codeFile: _file, ...action }) =>
          action.name === 'service-name-in-m2m-tokens'
            ? {
                ...action,
                code: "exports.onExecuteCredentialsExchange = async (event) => { console.log('token for ' + event.client.name); };",
              }
            : action,
        ),
      }),
    });
    const stream = await ActivityReader.open(tenant);
    try {
      expect((await clientCredentials(tenant, clientOf(tenant, 'Inventory Service'), CATALOG)).status).toBe(200);
      const line = await stream.next((e) => e.data.type === 'action_log');
      expect(line.data).toMatchObject({
        action: 'service-name-in-m2m-tokens',
        trigger: 'credentials-exchange',
        level: 'log',
        message: 'token for Inventory Service',
      });
    } finally {
      stream.close();
      await tenant.close();
    }
  });
});

describe('refresh overlap and password-grant logins in the activity stream', () => {
  it('shows a refresh answered within the rotation overlap, and password-grant logins with their outcome', async () => {
    const tenant = await startConsoleTenant({
      configure: (config) => ({
        ...config,
        tenant: { ...config.tenant, default_directory: 'Username-Password-Authentication' },
        clients: config.clients.map((c) =>
          c.name === 'Acme Shop SPA'
            ? { ...c, refresh_token: { ...c.refresh_token, leeway: 30 } }
            : c.name === 'Orders Service'
              ? { ...c, grant_types: [...c.grant_types, 'password' as const] }
              : c,
        ),
      }),
    });
    const stream = await ActivityReader.open(tenant);
    const token = (body: Record<string, string>) =>
      fetch(new URL('oauth/token', tenant.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body),
      });
    try {
      const orders = clientOf(tenant, 'Orders Service');
      const password = {
        grant_type: 'password',
        client_id: orders.clientId,
        client_secret: orders.clientSecret,
        username: CUSTOMER.username,
        audience: ORDERS_API,
      };
      expect((await token({ ...password, password: CUSTOMER.password })).status).toBe(200);
      const ok = await stream.next((e) => e.data.type === 'login' && e.data.client_id === orders.clientId);
      expect(ok.data).toMatchObject({ outcome: 'success', username: CUSTOMER.username, user_id: expect.any(String) });
      expect((await token({ ...password, password: 'not-her-password' })).status).toBe(403);
      const failed = await stream.next((e) => e.data.type === 'login' && e.data.outcome === 'failure');
      expect(failed.data).toMatchObject({ client_id: orders.clientId, username: CUSTOMER.username });
      expect(failed.data.reason).toMatch(/^Wrong email or password/);

      const { code, verifier } = await loginForCode({
        issuer: tenant.issuer,
        clientId: SPA_CLIENT_ID,
        redirectUri: 'http://localhost:5173/',
        username: CUSTOMER.username,
        password: CUSTOMER.password,
        audience: ORDERS_API,
        scope: 'openid offline_access',
      });
      const exchanged = await token({
        grant_type: 'authorization_code',
        client_id: SPA_CLIENT_ID,
        code,
        code_verifier: verifier,
        redirect_uri: 'http://localhost:5173/',
      });
      const { refresh_token: first } = (await exchanged.json()) as { refresh_token: string };
      const refresh = { grant_type: 'refresh_token', client_id: SPA_CLIENT_ID, refresh_token: first };
      expect((await token(refresh)).status).toBe(200);
      await stream.next((e) => e.data.type === 'refresh' && e.data.outcome === 'rotated');
      // The same token again within the leeway (two tabs refreshing at once): answered, not reuse.
      expect((await token(refresh)).status).toBe(200);
      await stream.next((e) => e.data.type === 'refresh' && e.data.outcome === 'overlap');
      expect(stream.events.some((e) => e.data.type === 'refresh' && e.data.outcome === 'reuse_detected')).toBe(false);
      expect(JSON.stringify(stream.events)).not.toContain(first);
    } finally {
      stream.close();
      await tenant.close();
    }
  });
});

describe('activity streams are bounded', () => {
  it('allows 8 open streams, refuses a 9th with 503, and frees a slot when a console disconnects', async () => {
    const tenant = await startConsoleTenant();
    const open: ActivityReader[] = [];
    try {
      for (let i = 0; i < 8; i++) open.push(await ActivityReader.open(tenant));
      const refused = await consoleApi(tenant, 'activity');
      expect(refused.status).toBe(503);
      expect(refused.json).toMatchObject({ statusCode: 503, errorCode: 'too_many_streams' });
      open.pop()?.close();
      // The server notices the disconnect asynchronously: poll until the slot is free (bounded).
      const deadline = Date.now() + 5_000;
      let reopened: ActivityReader | undefined;
      while (reopened === undefined) {
        try {
          reopened = await ActivityReader.open(tenant);
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      open.push(reopened);
    } finally {
      for (const reader of open) reader.close();
      await tenant.close();
    }
  });
});
