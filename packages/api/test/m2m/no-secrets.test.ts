import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createM2MClient, type M2MEvent } from '../../src/m2m/index.ts';
import { type FakeTokenEndpoint, startFakeTokenEndpoint, tokenBody } from './support/fake-token-endpoint.ts';
import { eventWaiter, manualClock, recordingSleep } from './support/test-time.ts';

const SECRET = 'TOP-SECRET-client-secret-value-0123456789';
const TOKENS = ['ACCESS-TOKEN-ONE-eyJhbGciOi', 'ACCESS-TOKEN-TWO-eyJhbGciOi'];
const TARGET = { audience: 'https://catalog.example.test', scope: 'read:catalog' };

let endpoint: FakeTokenEndpoint;

beforeEach(async () => {
  endpoint = await startFakeTokenEndpoint();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await endpoint.close();
});

function expectClean(text: string): void {
  expect(text).not.toContain(SECRET);
  for (const token of TOKENS) expect(text).not.toContain(token);
}

describe('no secret or token in logs, events or errors', () => {
  it('a full life cycle (request, hit, retry, refresh, failures) logs nothing and emits no secret or token', async () => {
    const logged: unknown[] = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => logged.push(args));
    }
    const stderr = vi.spyOn(process.stderr, 'write');
    const waiter = eventWaiter<M2MEvent>();
    const { events } = waiter;
    const clock = manualClock();
    const client = createM2MClient({
      issuerBaseURL: endpoint.issuer,
      clientId: 'svc',
      clientSecret: SECRET,
      clock,
      sleep: recordingSleep().sleep,
      onEvent: waiter.onEvent,
    });
    const errors: unknown[] = [];

    endpoint.reply({ reset: true }, { body: tokenBody(TOKENS[0]!) });
    await client.getToken(TARGET);
    await client.getToken(TARGET);
    clock.advance(3300_000);
    endpoint.reply({ status: 503 }, { body: tokenBody(TOKENS[1]!) });
    const refreshed = waiter.next((e) => e.type === 'token_received');
    await client.getToken(TARGET);
    await refreshed;

    for (const reply of [
      { status: 401, body: { error: 'access_denied', error_description: 'Unauthorized' } },
      { status: 403, body: { error: 'access_denied', error_description: 'denied' } },
      { status: 200, body: { access_token: TOKENS[0], token_type: 'mac', expires_in: 1 } },
      { status: 200, body: { access_token: TOKENS[0], token_type: 'Bearer' } },
      { status: 429, headers: { 'retry-after': '59' } },
    ]) {
      endpoint.reply(reply);
      errors.push(await client.getToken({ audience: `https://other-${errors.length}.test` }).catch((e: unknown) => e));
    }
    await client.close();

    expect(events.length).toBeGreaterThan(5);
    expect(errors).toHaveLength(5);
    expect(logged).toEqual([]);
    expect(stderr).not.toHaveBeenCalled();
    expectClean(JSON.stringify(events));
    for (const error of errors) {
      expectClean(inspect(error, { depth: 10, showHidden: true }));
      expectClean(JSON.stringify(error));
    }
  });

  it('the secret travels only in the POST body, never in the URL or a header', async () => {
    const client = createM2MClient({ issuerBaseURL: endpoint.issuer, clientId: 'svc', clientSecret: SECRET });
    await client.getToken(TARGET);
    const [request] = endpoint.requests;
    expect(request?.url).toBe('/oauth/token');
    expect(JSON.stringify(request?.headers)).not.toContain(SECRET);
    expect(request?.form.get('client_secret')).toBe(SECRET);
    await client.close();
  });

  it('a tenant that echoes the secret in error_description does not get it into the error', async () => {
    const client = createM2MClient({ issuerBaseURL: endpoint.issuer, clientId: 'svc', clientSecret: SECRET });
    endpoint.reply({ status: 401, body: { error: 'invalid_client', error_description: `bad secret ${SECRET}` } });
    const error = await client.getToken(TARGET).catch((e: unknown) => e);
    expect((error as Error).message).toContain('bad secret [redacted]');
    expectClean(inspect(error, { depth: 10, showHidden: true }));
    await client.close();
  });

  it('the client object does not expose the secret', () => {
    const client = createM2MClient({ issuerBaseURL: endpoint.issuer, clientId: 'svc', clientSecret: SECRET });
    expectClean(inspect(client, { depth: 10, showHidden: true }));
    expectClean(JSON.stringify(client));
  });

  it('an options error does not quote the secret', () => {
    let error: unknown;
    try {
      createM2MClient({ issuerBaseURL: 'ftp://x/', clientId: 'svc', clientSecret: SECRET });
    } catch (e) {
      error = e;
    }
    expectClean(inspect(error, { depth: 10 }));
  });
});
