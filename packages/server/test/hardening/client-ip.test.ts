import type { IncomingMessage } from 'node:http';
import { fixtureConfig } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthmeshError } from '../../src/errors.ts';
import { createClientIpResolver } from '../../src/http/client-ip.ts';
import { type AuditEvent, createTenant, type Tenant } from '../../src/index.ts';
import { ADMIN, freePort, managementConfig, managementToken } from '../management/support.ts';
import { ALICE, BOB } from '../security/helpers.ts';
import { NetworkClient } from './network-client.ts';

/**
 * The client IP is decided once per request: the socket peer, or, when that peer is a trusted proxy
 * (`trustProxy`), the rightmost `X-Forwarded-For` hop that is not itself trusted. Audit events, the login
 * throttle and the Management API rate limit all see that one value, so a client cannot pick its own IP
 * with a header, and clients behind a trusted proxy are told apart.
 */
const request = (remoteAddress: string | undefined, forwardedFor?: string) =>
  ({
    socket: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage;

describe('createClientIpResolver', () => {
  it('without trusted proxies, X-Forwarded-For is ignored', () => {
    const clientIp = createClientIpResolver();
    expect(clientIp(request('127.0.0.1', '203.0.113.9'))).toBe('127.0.0.1');
    expect(clientIp(request('::ffff:192.0.2.1'))).toBe('192.0.2.1');
  });

  it('from a trusted peer: the rightmost untrusted hop; trusted hops are skipped, claims to the left ignored', () => {
    const clientIp = createClientIpResolver(['127.0.0.5', '10.0.0.0/8', '::1']);
    expect(clientIp(request('127.0.0.5', '203.0.113.9'))).toBe('203.0.113.9');
    expect(clientIp(request('127.0.0.5', '198.51.100.1, 203.0.113.9, 10.1.2.3'))).toBe('203.0.113.9');
    expect(clientIp(request('::1', '[2001:db8::7]:4711'))).toBe('2001:db8::7');
    expect(clientIp(request('::ffff:127.0.0.5', '203.0.113.9:5555'))).toBe('203.0.113.9');
    // Every hop trusted: the leftmost one is the client (e.g. a container on the proxy's network).
    expect(clientIp(request('127.0.0.5', '10.0.0.8, 10.0.0.9'))).toBe('10.0.0.8');
    // No header, or garbage where an address should be: the last address a trusted party vouched for.
    expect(clientIp(request('127.0.0.5'))).toBe('127.0.0.5');
    expect(clientIp(request('127.0.0.5', 'not-an-ip, 10.0.0.9'))).toBe('10.0.0.9');
  });

  it('from an untrusted peer, X-Forwarded-For is ignored even if it names a trusted proxy', () => {
    const clientIp = createClientIpResolver(['10.0.0.0/8']);
    expect(clientIp(request('192.0.2.44', '10.0.0.1'))).toBe('192.0.2.44');
  });

  it('an entry that is not an address or CIDR range → ERR_TRUST_PROXY_INVALID naming it', () => {
    for (const bad of ['10.0.0.0/33', 'proxy.local', '10.0.0.0/8/1', '::1/129', '10.0.0.0/x']) {
      let caught: unknown;
      try {
        createClientIpResolver([bad]);
      } catch (error) {
        caught = error;
      }
      expect(caught, bad).toBeInstanceOf(AuthmeshError);
      expect((caught as AuthmeshError).code, bad).toBe('ERR_TRUST_PROXY_INVALID');
      expect((caught as AuthmeshError).message, bad).toContain(bad);
    }
  });
});

describe('a tenant behind a trusted proxy (127.0.0.5)', () => {
  const PROXY = '127.0.0.5';
  let tenant: Tenant;
  let issuer: string;
  let adminToken: string;
  const audits: AuditEvent[] = [];

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://localhost:${port}/`;
    tenant = await createTenant({
      config: managementConfig(issuer),
      port,
      issuer,
      dataDir: null,
      trustProxy: [PROXY, '10.0.0.0/8'],
      onAudit: (event) => audits.push(event),
    });
    adminToken = await managementToken(issuer, ADMIN);
  });
  afterAll(() => tenant?.close());

  /** The IP the audit event of one /api/v2 write records, for a request from `client`. */
  async function auditedIp(client: NetworkClient, name: string): Promise<string | undefined> {
    const reply = await client.request(new URL('api/v2/roles', issuer), {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    expect(reply.status, reply.body).toBe(200);
    const event = audits.at(-1);
    expect(event?.action).toBe('POST /roles');
    return event?.ip;
  }

  it('audit events record the client the proxy names, not the proxy and not what the client claims', async () => {
    const viaProxy = new NetworkClient(PROXY, { 'x-forwarded-for': '203.0.113.50, 198.51.100.1, 10.1.2.3' });
    expect(await auditedIp(viaProxy, 'via-proxy')).toBe('198.51.100.1');
    const direct = new NetworkClient('127.0.0.6', { 'x-forwarded-for': '198.51.100.2' });
    expect(await auditedIp(direct, 'direct')).toBe('127.0.0.6');
  });

  it('login throttle: clients behind the proxy are blocked one by one, not all together', async () => {
    const attacker = new NetworkClient(PROXY, { 'x-forwarded-for': '198.51.100.10' });
    const page = await attacker.openLoginPage(issuer);
    for (let attempt = 1; attempt <= 10; attempt++) {
      expect(await attacker.login(page, ALICE.username, `wrong ${attempt}`), `attempt ${attempt}`).toBe(400);
    }
    expect(await attacker.login(page, ALICE.username, ALICE.password)).toBe(429);
    const neighbour = new NetworkClient(PROXY, { 'x-forwarded-for': '198.51.100.11' });
    expect(await neighbour.login(await neighbour.openLoginPage(issuer), ALICE.username, ALICE.password)).toBe(303);
  });

  it('spoofing: an untrusted client rotating X-Forwarded-For stays blocked', async () => {
    const spoofer = new NetworkClient('127.0.0.7');
    const page = await spoofer.openLoginPage(issuer);
    for (let attempt = 1; attempt <= 10; attempt++) {
      const reply = await spoofer.request(page.url, {
        method: 'POST',
        headers: { 'x-forwarded-for': `192.0.2.${attempt}` },
        form: { username: BOB.username, password: `wrong ${attempt}`, csrf: page.csrf },
      });
      expect(reply.status, `attempt ${attempt}`).toBe(400);
    }
    const last = await spoofer.request(page.url, {
      method: 'POST',
      headers: { 'x-forwarded-for': '192.0.2.200' },
      form: { username: BOB.username, password: BOB.password, csrf: page.csrf },
    });
    expect(last.status).toBe(429);
  });
});

it('createTenant refuses an invalid trustProxy entry with ERR_TRUST_PROXY_INVALID', async () => {
  await expect(
    createTenant({ config: fixtureConfig(), port: 0, dataDir: null, trustProxy: ['10.0.0.0/40'] }),
  ).rejects.toMatchObject({ code: 'ERR_TRUST_PROXY_INVALID' });
});
