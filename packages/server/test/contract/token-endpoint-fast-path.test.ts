import { fixtureConfig } from '@authmesh/testkit';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import { clientCredentialsFastPathAnswers } from '../../src/http/client-credentials-fast-path.ts';
import { createJsonLogger } from '../../src/observability/logger.ts';
import { TenantMetrics } from '../../src/observability/metrics.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import { action, storeActions } from '../actions/helpers.ts';
import { ADMIN, api, freePort, managementConfig, managementToken } from '../management/support.ts';
import { CATALOG, decodeJwt, ORDERS, startTenant, tokenRequest } from '../security/helpers.ts';

/*
 * The client-credentials fast path (docs/engine.md): which path answers, and what it must keep from the
 * engine path over time (key rotation, registry changes through /api/v2, Actions, metrics and the access log).
 * This file also runs in the `fast-path-off` project (vitest.config.ts), where the environment turns the fast
 * path off: the first test then proves that the suites of that project really run on the engine's path.
 */

const ENV = 'AUTHMESH_CLIENT_CREDENTIALS_FAST_PATH';
const offByEnvironment = process.env[ENV] === 'off';

function ordersToken(issuer: string, extra: Record<string, string> = {}) {
  return tokenRequest(issuer, {
    grant_type: 'client_credentials',
    client_id: ORDERS.clientId,
    client_secret: ORDERS.clientSecret,
    audience: CATALOG,
    ...extra,
  });
}

/** What `run` returned, and how many of its requests the fast path answered. */
async function counted<T>(run: () => Promise<T>): Promise<{ answered: number; result: T }> {
  const before = clientCredentialsFastPathAnswers();
  const result = await run();
  return { answered: clientCredentialsFastPathAnswers() - before, result };
}

describe('which path answers', () => {
  it(`tenants started as the suites start them follow ${ENV} (here: ${offByEnvironment ? 'off' : 'unset'})`, async () => {
    const suiteTenants = [await startTenant(), await createTenant({ config: fixtureConfig(), port: 0, dataDir: null })];
    try {
      for (const tenant of suiteTenants) {
        const { answered, result: reply } = await counted(() => ordersToken(tenant.issuer));
        expect(reply.status, reply.text).toBe(200);
        expect(answered).toBe(offByEnvironment ? 0 : 1);
      }
    } finally {
      await Promise.all(suiteTenants.map((t) => t.close()));
    }
  });

  it('clientCredentialsFastPath wins over the environment, and both paths issue the same token', async () => {
    const on = await createTenant({ config: fixtureConfig(), port: 0, dataDir: null, clientCredentialsFastPath: true });
    const off = await createTenant({
      config: fixtureConfig(),
      port: 0,
      dataDir: null,
      clientCredentialsFastPath: false,
    });
    try {
      const fastReply = await counted(() => ordersToken(on.issuer));
      const engineReply = await counted(() => ordersToken(off.issuer));
      expect([fastReply.answered, engineReply.answered]).toEqual([1, 0]);
      const fast = fastReply.result.json;
      const engine = engineReply.result.json;
      /** Header and claims, minus what differs between two tenants (key, issuer port) and two instants. */
      const claims = (reply: Record<string, unknown>, issuer: string) => {
        const { header, payload } = decodeJwt(String(reply.access_token));
        const { kid: _kid, ...rest } = header;
        const { iat, exp, iss, ...stable } = payload;
        return { ...rest, ...stable, ownIssuer: iss === issuer, lifetime: Number(exp) - Number(iat) };
      };
      expect(claims(fast, on.issuer)).toEqual(claims(engine, off.issuer));
      expect({ ...fast, access_token: '' }).toEqual({ ...engine, access_token: '' });
    } finally {
      await Promise.all([on.close(), off.close()]);
    }
  });

  it(`an unknown ${ENV} value is refused at start, naming the variable`, async () => {
    const saved = process.env[ENV];
    process.env[ENV] = 'maybe';
    try {
      await expect(createTenant({ config: fixtureConfig(), port: 0, dataDir: null })).rejects.toMatchObject({
        code: 'ERR_TENANT_START',
        message: expect.stringContaining(ENV),
      });
    } finally {
      if (saved === undefined) delete process.env[ENV];
      else process.env[ENV] = saved;
    }
  });
});

describe('the fast path over time (key rotation, /api/v2 changes)', () => {
  const DELAY_MS = 60_000;
  let clockMs = Date.now();
  let tenant: Tenant;
  let issuer: string;

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://localhost:${port}/`;
    tenant = await createTenant({
      config: managementConfig(issuer),
      port,
      issuer,
      dataDir: null,
      clientCredentialsFastPath: true,
      keyRotation: { delayMs: DELAY_MS, now: () => clockMs },
    });
  });
  afterAll(() => tenant?.close());

  it('signs with the key that is current at the moment of signing, verifiable with the JWKS', async () => {
    const jwks = createRemoteJWKSet(new URL('.well-known/jwks.json', issuer));
    const before = await ordersToken(issuer);
    const oldKid = decodeJwt(String(before.json.access_token)).header.kid;
    const rotated = await api(issuer, 'POST', '/keys/signing/rotate', { token: await managementToken(issuer, ADMIN) });
    expect(rotated.status).toBe(201);
    const nextKid = (rotated.json as { kid: string }).kid;

    // Published, not yet signing: the fast path keeps the current key (and its cached header).
    const during = await ordersToken(issuer);
    expect(decodeJwt(String(during.json.access_token)).header.kid).toBe(oldKid);
    clockMs += DELAY_MS;
    const after = await counted(() => ordersToken(issuer));
    expect(after.answered).toBe(1);
    const token = String(after.result.json.access_token);
    expect(decodeJwt(token).header).toEqual({ alg: 'RS256', typ: 'JWT', kid: nextKid });
    const verified = await jwtVerify(token, jwks, { issuer, audience: CATALOG, algorithms: ['RS256'] });
    expect(verified.payload.sub).toBe(`${ORDERS.clientId}@clients`);
  });

  it('follows a client grant changed through /api/v2 at once, and hands a deleted grant to the engine', async () => {
    const admin = await managementToken(issuer, ADMIN);
    const first = await ordersToken(issuer);
    expect(first.json.scope).toBe('read:catalog');
    const listed = await api(issuer, 'GET', `/client-grants?client_id=${ORDERS.clientId}&audience=${CATALOG}`, {
      token: admin,
    });
    const grant = (listed.json as { id: string }[])[0];
    if (!grant) throw new Error('the fixture has no Orders Service grant on the catalog');
    const patched = await api(issuer, 'PATCH', `/client-grants/${grant.id}`, {
      token: admin,
      body: { scope: ['read:catalog', 'write:catalog'] },
    });
    expect(patched.status).toBe(200);

    const widened = await counted(() => ordersToken(issuer));
    expect(widened.answered).toBe(1);
    expect(widened.result.json.scope).toBe('read:catalog write:catalog');
    expect(decodeJwt(String(widened.result.json.access_token)).payload.permissions).toEqual([
      'read:catalog',
      'write:catalog',
    ]);

    expect((await api(issuer, 'DELETE', `/client-grants/${grant.id}`, { token: admin })).status).toBe(204);
    const refused = await counted(() => ordersToken(issuer));
    expect(refused.answered).toBe(0);
    expect(refused.result.status).toBe(403);
    expect(refused.result.json.error).toBe('access_denied');
  });
});

describe('what the engine keeps', () => {
  let storage: Storage;
  let tenant: Tenant;

  beforeAll(async () => {
    storage = openSqliteStorage({ path: ':memory:' });
    await storeActions(
      storage,
      [
        action(
          'service-name',
          `exports.onExecuteCredentialsExchange = async (event, api) => { api.accessToken.setCustomClaim('https://shop.example.test/service', event.client.name); };`,
          {
            supported_triggers: [{ id: 'credentials-exchange', version: 'v2' }],
          },
        ),
      ],
      { 'credentials-exchange': ['service-name'] },
    );
    tenant = await createTenant({ config: fixtureConfig(), port: 0, storage, clientCredentialsFastPath: true });
  });
  afterAll(async () => {
    await tenant?.close();
    await storage?.close();
  });

  it('a bound credentials-exchange Action: the engine answers, and runs it', async () => {
    const { answered, result: reply } = await counted(() => ordersToken(tenant.issuer));
    expect(answered).toBe(0);
    expect(reply.status, reply.text).toBe(200);
    expect(decodeJwt(String(reply.json.access_token)).payload['https://shop.example.test/service']).toBe(
      'Orders Service',
    );
  });
});

describe('an observed tenant (authmesh serve)', () => {
  const lines: Record<string, unknown>[] = [];
  const metrics = new TenantMetrics();
  let tenant: Tenant;

  beforeAll(async () => {
    const logger = createJsonLogger({
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    tenant = await createTenant({
      config: fixtureConfig(),
      port: 0,
      dataDir: null,
      clientCredentialsFastPath: true,
      observe: { logger, metrics },
    });
  });
  afterAll(() => tenant?.close());

  it('counts the token, echoes the request id and writes the access line, as for the engine', async () => {
    const { answered, result: reply } = await counted(() =>
      tokenRequest(
        tenant.issuer,
        {
          grant_type: 'client_credentials',
          client_id: ORDERS.clientId,
          client_secret: ORDERS.clientSecret,
          audience: CATALOG,
        },
        { 'x-request-id': 'req-fast-1' },
      ),
    );
    expect(answered).toBe(1);
    expect(reply.headers.get('x-request-id')).toBe('req-fast-1');
    const text = (await metrics.render()).body;
    expect(text).toContain(
      `authmesh_tokens_issued_total{grant_type="client_credentials",client_id="${ORDERS.clientId}",audience="${CATALOG}"} 1`,
    );
    expect(text).toMatch(
      /authmesh_http_request_duration_seconds_count\{method="POST",route="\/oauth\/token",status="2xx"\} 1/,
    );
    expect(lines.filter((l) => l.msg === 'request')).toEqual([
      expect.objectContaining({
        req_id: 'req-fast-1',
        method: 'POST',
        route: '/oauth/token',
        status: 200,
        ip: '127.0.0.1',
      }),
    ]);
  });
});
