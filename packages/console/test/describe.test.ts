import { describe, expect, it } from 'vitest';
import { clientOf, headline, namer, outcomeOf, userTextOf } from '../src/activity/describe.ts';
import type { ActivityEvent, ConsoleSystem } from '../src/types.ts';
import { consoleApi, consoleClient } from './records.ts';

const system: ConsoleSystem = {
  tenant: { name: 'Acme', issuer: 'http://localhost:4000/' },
  clients: [consoleClient('svc', 'Orders Service')],
  apis: [consoleApi('https://catalog.acme.test', 'Catalog API', { id: 'api1', allow_offline_access: false })],
  client_grants: [],
  roles: [],
  users: { total: 0, shown: [] },
  actions: [],
};
const names = namer(system);
const at = { id: 1, time: '2026-12-06T15:00:00.000Z' };

describe('how the live activity describes each event', () => {
  it('names applications and APIs, not ids', () => {
    const event: ActivityEvent = {
      ...at,
      type: 'token',
      grant_type: 'client_credentials',
      client_id: 'svc',
      audience: 'https://catalog.acme.test',
    };
    expect(headline(event, names)).toBe('Orders Service got a token for Catalog API (client credentials)');
    expect(outcomeOf(event)).toBe('success');
  });

  it('a refusal is a failure, with its status and error', () => {
    const event: ActivityEvent = {
      ...at,
      type: 'refusal',
      source: 'token',
      status: 403,
      error: 'access_denied',
      reason: 'Orders Service has no grant for https://inventory.acme.test',
      client_id: 'svc',
      grant_type: 'client_credentials',
      audience: 'https://inventory.acme.test',
    };
    expect(headline(event, names)).toBe(
      'Refused client credentials request from Orders Service for https://inventory.acme.test: 403 access_denied',
    );
    expect(outcomeOf(event)).toBe('failure');
  });

  it('refresh reuse is a failure; a rotation is not', () => {
    const reuse: ActivityEvent = { ...at, type: 'refresh', outcome: 'reuse_detected', client_id: 'svc' };
    const rotated: ActivityEvent = { ...at, type: 'refresh', outcome: 'rotated', client_id: 'svc' };
    expect(outcomeOf(reuse)).toBe('failure');
    expect(headline(reuse, names)).toMatch(/reuse detected for Orders Service: the token family is revoked/);
    expect(outcomeOf(rotated)).toBe('success');
  });

  it("a management write names its actor's application, or this console", () => {
    const write = (actor: string, status: number): ActivityEvent => ({
      ...at,
      type: 'management',
      actor,
      action: 'PATCH /client-grants/:id',
      target: { id: 'cgr_1' },
      status,
      ip: '127.0.0.1',
    });
    expect(headline(write('svc@clients', 200), names)).toBe('PATCH /client-grants/:id by Orders Service → 200');
    expect(headline(write('authmesh-console@clients', 200), names)).toBe(
      'PATCH /client-grants/:id by this console → 200',
    );
    expect(clientOf(write('svc@clients', 200))).toBe('svc');
    expect(outcomeOf(write('svc@clients', 403))).toBe('failure');
  });

  it('logins and action log lines', () => {
    const failed: ActivityEvent = {
      ...at,
      type: 'login',
      outcome: 'failure',
      client_id: 'svc',
      username: 'casey@acme.test',
      reason: 'Wrong e-mail or password.',
    };
    expect(headline(failed, names)).toBe('casey@acme.test failed to log in to Orders Service');
    expect(userTextOf(failed)).toContain('casey@acme.test');
    const log: ActivityEvent = {
      ...at,
      type: 'action_log',
      action: 'roles-in-tokens',
      trigger: 'post-login',
      level: 'error',
      message: 'boom',
    };
    expect(headline(log, names)).toBe('Action roles-in-tokens (post-login) error: boom');
    expect(outcomeOf(log)).toBe('failure');
  });
});
