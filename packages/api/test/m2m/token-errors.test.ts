import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createM2MClient, type M2MClient, M2MError } from '../../src/m2m/index.ts';
import { type FakeTokenEndpoint, type ScriptedReply, startFakeTokenEndpoint } from './support/fake-token-endpoint.ts';
import { recordingSleep } from './support/test-time.ts';

const TARGET = { audience: 'https://catalog.example.test', scope: 'write:catalog' };

let endpoint: FakeTokenEndpoint;
let sleeps: ReturnType<typeof recordingSleep>;
let client: M2MClient;

beforeEach(async () => {
  endpoint = await startFakeTokenEndpoint();
  sleeps = recordingSleep();
  client = createM2MClient({
    issuerBaseURL: endpoint.issuer,
    clientId: 'orders-m2m-0001',
    clientSecret: 'errors-test-secret-0123456789',
    sleep: sleeps.sleep,
  });
});
afterEach(async () => {
  await client.close();
  await endpoint.close();
});

async function failure(reply: ScriptedReply): Promise<M2MError> {
  endpoint.reply(reply);
  const error = await client.getToken(TARGET).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(M2MError);
  return error as M2MError;
}

describe('client errors are not retried', () => {
  it('401 invalid_client → 1 request, ERR_M2M_INVALID_CLIENT with error and error_description', async () => {
    const error = await failure({
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="tenant"' },
      body: { error: 'invalid_client', error_description: 'client authentication failed' },
    });
    expect(error).toMatchObject({
      code: 'ERR_M2M_INVALID_CLIENT',
      oauthError: 'invalid_client',
      status: 401,
      clientId: 'orders-m2m-0001',
      audience: TARGET.audience,
    });
    expect(error.message).toContain('HTTP 401 invalid_client: "client authentication failed"');
    expect(error.message).toContain('client "orders-m2m-0001"');
    expect(error.message).toContain('audience "https://catalog.example.test"');
    expect(endpoint.requests).toHaveLength(1);
    expect(sleeps.delays).toEqual([]);
  });

  it('Auth0’s answer to a wrong secret (401 access_denied "Unauthorized") → ERR_M2M_INVALID_CLIENT', async () => {
    const error = await failure({ status: 401, body: { error: 'access_denied', error_description: 'Unauthorized' } });
    expect(error.code).toBe('ERR_M2M_INVALID_CLIENT');
    expect(error.message).toMatch(/HTTP 401 access_denied: "Unauthorized"\. Check clientId and the client secret/);
    expect(endpoint.requests).toHaveLength(1);
  });

  it('invalid_client with 400 → ERR_M2M_INVALID_CLIENT', async () => {
    expect((await failure({ status: 400, body: { error: 'invalid_client' } })).code).toBe('ERR_M2M_INVALID_CLIENT');
  });

  it('403 access_denied (no grant / ungranted scope) → ERR_M2M_ACCESS_DENIED with the tenant’s description', async () => {
    const error = await failure({
      status: 403,
      body: { error: 'access_denied', error_description: 'Client has not been granted scopes: write:catalog' },
    });
    expect(error).toMatchObject({ code: 'ERR_M2M_ACCESS_DENIED', status: 403, oauthError: 'access_denied' });
    expect(error.message).toContain('scope "write:catalog"');
    expect(error.message).toContain('"Client has not been granted scopes: write:catalog"');
    expect(endpoint.requests).toHaveLength(1);
  });

  it('403 unauthorized_client and 400 invalid_scope → ERR_M2M_ACCESS_DENIED', async () => {
    expect((await failure({ status: 403, body: { error: 'unauthorized_client' } })).code).toBe('ERR_M2M_ACCESS_DENIED');
    expect((await failure({ status: 400, body: { error: 'invalid_scope' } })).code).toBe('ERR_M2M_ACCESS_DENIED');
    expect(endpoint.requests).toHaveLength(2);
  });

  it('other 400s → ERR_M2M_TOKEN_REQUEST_FAILED, not retried', async () => {
    const error = await failure({ status: 400, body: { error: 'invalid_request', error_description: 'bad' } });
    expect(error).toMatchObject({ code: 'ERR_M2M_TOKEN_REQUEST_FAILED', status: 400, oauthError: 'invalid_request' });
    expect(endpoint.requests).toHaveLength(1);
  });

  it('a non-JSON error body still yields the status', async () => {
    const error = await failure({ status: 404, headers: { 'content-type': 'text/html' }, body: '<h1>Not Found</h1>' });
    expect(error).toMatchObject({ code: 'ERR_M2M_TOKEN_REQUEST_FAILED', status: 404, oauthError: undefined });
    expect(error.message).toContain('HTTP 404');
  });

  it('control characters in the tenant’s text are neutralised (no log injection)', async () => {
    const error = await failure({
      status: 403,
      body: { error: 'access_denied', error_description: 'line1\r\nFAKE: entry' },
    });
    expect(error.message).not.toMatch(/[\r\n]/);
  });
});

describe('success responses are validated', () => {
  const invalid: [string, unknown, RegExp][] = [
    ['not JSON', 'access_token=abc', /not a JSON object/],
    ['no access_token', { token_type: 'Bearer', expires_in: 60 }, /access_token is missing/],
    [
      'token_type DPoP',
      { access_token: 'x', token_type: 'DPoP', expires_in: 60 },
      /token_type must be Bearer, got "DPoP"/,
    ],
    ['no token_type', { access_token: 'x', expires_in: 60 }, /token_type must be Bearer/],
    ['no expires_in', { access_token: 'x', token_type: 'Bearer' }, /expires_in must be a positive integer/],
    ['expires_in as a string', { access_token: 'x', token_type: 'Bearer', expires_in: '60' }, /expires_in/],
    ['expires_in 0', { access_token: 'x', token_type: 'Bearer', expires_in: 0 }, /expires_in/],
    ['expires_in 1.5', { access_token: 'x', token_type: 'Bearer', expires_in: 1.5 }, /expires_in/],
    ['scope not a string', { access_token: 'x', token_type: 'Bearer', expires_in: 60, scope: ['a'] }, /scope/],
  ];
  for (const [name, body, message] of invalid) {
    it(`${name} → ERR_M2M_INVALID_RESPONSE, not retried`, async () => {
      const error = await failure({ status: 200, body });
      expect(error.code).toBe('ERR_M2M_INVALID_RESPONSE');
      expect(error.message).toMatch(message);
      expect(endpoint.requests).toHaveLength(1);
    });
  }

  it('token_type is compared case-insensitively (RFC 6749 §5.1)', async () => {
    endpoint.reply({ body: { access_token: 'x', token_type: 'bEaReR', expires_in: 60 } });
    expect(await client.getToken(TARGET)).toMatchObject({ accessToken: 'x', tokenType: 'Bearer' });
  });

  it('an oversized body is refused without buffering it all', async () => {
    const error = await failure({ status: 200, body: JSON.stringify({ access_token: 'x'.repeat(200_000) }) });
    expect(error).toMatchObject({ code: 'ERR_M2M_INVALID_RESPONSE', message: /exceeds 65536 bytes/ });
  });

  it('a redirect is not followed (it would re-send the secret) → ERR_M2M_INVALID_RESPONSE', async () => {
    const error = await failure({ status: 307, headers: { location: 'http://127.0.0.1:1/steal' } });
    expect(error).toMatchObject({ code: 'ERR_M2M_INVALID_RESPONSE', status: 307 });
    expect(endpoint.requests).toHaveLength(1);
  });
});
