import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, Tenant } from '../../src/index.ts';
import { ADMIN, api, CATALOG, managementToken, startManagementTenant } from './support.ts';

/** docs/security.md, "Management API": every write through /api/v2 is recorded (who, what, when, from where), never a secret. */
describe('/api/v2 audit events', () => {
  let tenant: Tenant;
  const events: AuditEvent[] = [];
  let token: string;

  beforeAll(async () => {
    tenant = await startManagementTenant({ onAudit: (event) => events.push(event) });
    token = await managementToken(tenant.issuer, ADMIN);
  });
  afterAll(() => tenant?.close());

  it('a successful write is recorded with its actor, action, target, status and address; reads and failures are not', async () => {
    events.length = 0;
    const created = await api(tenant.issuer, 'POST', '/clients', {
      token,
      body: { name: 'Audited Machine', app_type: 'non_interactive', grant_types: ['client_credentials'] },
    });
    expect(created.status).toBe(201);
    const client = created.json as { client_id: string; client_secret: string };
    const rotated = await api(tenant.issuer, 'POST', `/clients/${client.client_id}/rotate-secret`, { token });
    expect(rotated.status).toBe(200);
    expect((await api(tenant.issuer, 'GET', '/clients', { token })).status).toBe(200);
    expect(
      (
        await api(tenant.issuer, 'POST', '/client-grants', {
          token,
          body: { client_id: client.client_id, audience: CATALOG, scope: ['nope'] },
        })
      ).status,
    ).toBe(400);

    expect(events.map((e) => [e.action, e.status])).toEqual([
      ['POST /clients', 201],
      ['POST /clients/:id/rotate-secret', 200],
    ]);
    expect(events[1]).toMatchObject({
      actor: ADMIN.clientId,
      target: { id: client.client_id },
      ip: expect.any(String),
    });
    expect(Date.parse(events[1]?.time ?? '')).not.toBeNaN();
    const recorded = JSON.stringify(events);
    expect(recorded).not.toContain(client.client_secret);
    expect(recorded).not.toContain((rotated.json as { client_secret: string }).client_secret);
  });
});
