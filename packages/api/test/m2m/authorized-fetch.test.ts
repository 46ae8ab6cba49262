import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createM2MClient, type M2MClient } from '../../src/m2m/index.ts';
import { type FakeTokenEndpoint, startFakeTokenEndpoint } from './support/fake-token-endpoint.ts';

const TARGET = { audience: 'https://catalog.example.test', scope: 'read:catalog' };
const INVALID_TOKEN = 'Bearer realm="api", error="invalid_token", error_description="signature"';

interface ApiCall {
  authorization: string | undefined;
  body: string;
  contentType: string | undefined;
  custom: string | undefined;
}

let endpoint: FakeTokenEndpoint;
let client: M2MClient;
let api: Server;
let apiURL: string;
let calls: ApiCall[];
/** Which tokens the API accepts; others get 401 with `challenge`. */
let accepts: (token: string) => boolean;
let challenge: string | undefined;

beforeEach(async () => {
  endpoint = await startFakeTokenEndpoint();
  client = createM2MClient({
    issuerBaseURL: endpoint.issuer,
    clientId: 'svc',
    clientSecret: 'fetch-test-secret-0123456789',
  });
  calls = [];
  accepts = () => true;
  challenge = INVALID_TOKEN;
  api = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const authorization = req.headers.authorization;
    calls.push({
      authorization,
      body: Buffer.concat(chunks).toString('utf8'),
      contentType: req.headers['content-type'],
      custom: req.headers['x-custom'] as string | undefined,
    });
    const token = authorization?.replace(/^Bearer /, '') ?? '';
    if (accepts(token)) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    res.writeHead(401, challenge ? { 'www-authenticate': challenge } : {}).end();
  });
  api.listen(0, '127.0.0.1');
  await once(api, 'listening');
  apiURL = `http://127.0.0.1:${(api.address() as AddressInfo).port}/products`;
});
afterEach(async () => {
  await client.close();
  await endpoint.close();
  api.closeAllConnections();
  await new Promise((resolve) => api.close(resolve));
});

describe('fetch adds the bearer token', () => {
  it('sends Authorization: Bearer <token> and keeps the caller’s headers and body', async () => {
    const response = await client.fetch(
      apiURL,
      { method: 'POST', headers: { 'x-custom': '1' }, body: 'hello' },
      TARGET,
    );
    expect(response.status).toBe(200);
    expect(calls).toEqual([
      { authorization: 'Bearer token-1', body: 'hello', contentType: 'text/plain;charset=UTF-8', custom: '1' },
    ]);
  });

  it('a Request as input keeps its headers', async () => {
    await client.fetch(new Request(apiURL, { headers: { 'x-custom': 'from-request' } }), undefined, TARGET);
    expect(calls[0]).toMatchObject({ authorization: 'Bearer token-1', custom: 'from-request' });
  });

  it('reuses the cached token across calls', async () => {
    await client.fetch(apiURL, undefined, TARGET);
    await client.fetch(apiURL, undefined, TARGET);
    expect(endpoint.requests).toHaveLength(1);
  });
});

describe('401 invalid_token → evict, fetch once, retry once', () => {
  it('the API refuses the cached token → one new token, one retry, the retry’s answer is returned', async () => {
    accepts = (token) => token !== 'token-1';
    const response = await client.fetch(apiURL, { method: 'PUT', body: 'payload' }, TARGET);
    expect(response.status).toBe(200);
    expect(endpoint.requests).toHaveLength(2);
    expect(calls.map((c) => [c.authorization, c.body])).toEqual([
      ['Bearer token-1', 'payload'],
      ['Bearer token-2', 'payload'],
    ]);
    // The new token is now the cached one.
    expect((await client.getToken(TARGET)).accessToken).toBe('token-2');
  });

  it('a second 401 is returned as is: no loop', async () => {
    accepts = () => false;
    const response = await client.fetch(apiURL, undefined, TARGET);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(INVALID_TOKEN);
    expect(endpoint.requests).toHaveLength(2);
    expect(calls).toHaveLength(2);
  });

  it('a 401 without error="invalid_token" (e.g. no token expected) is not retried', async () => {
    accepts = () => false;
    challenge = 'Bearer realm="api"';
    expect((await client.fetch(apiURL, undefined, TARGET)).status).toBe(401);
    expect(calls).toHaveLength(1);
    expect(endpoint.requests).toHaveLength(1);
  });

  it('a 403 insufficient_scope is not retried', async () => {
    api.removeAllListeners('request');
    api.on('request', (_req, res) => {
      calls.push({ authorization: undefined, body: '', contentType: undefined, custom: undefined });
      res.writeHead(403, { 'www-authenticate': 'Bearer error="insufficient_scope"' }).end();
    });
    expect((await client.fetch(apiURL, undefined, TARGET)).status).toBe(403);
    expect(calls).toHaveLength(1);
  });

  it('a stream body cannot be replayed → the 401 is returned without retry', async () => {
    accepts = () => false;
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const response = await client.fetch(apiURL, { method: 'POST', body, duplex: 'half' } as RequestInit, TARGET);
    expect(response.status).toBe(401);
    expect(calls).toHaveLength(1);
    expect(endpoint.requests).toHaveLength(1);
  });

  it('a Request with a body cannot be replayed either', async () => {
    accepts = () => false;
    const request = new Request(apiURL, { method: 'POST', body: 'once' });
    expect((await client.fetch(request, undefined, TARGET)).status).toBe(401);
    expect(calls).toHaveLength(1);
  });

  it('concurrent callers refused with the same token share one new token', async () => {
    accepts = (token) => token !== 'token-1';
    await client.getToken(TARGET);
    const responses = await Promise.all(Array.from({ length: 10 }, () => client.fetch(apiURL, undefined, TARGET)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(endpoint.requests).toHaveLength(2);
  });
});
