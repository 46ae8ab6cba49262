import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import type { AuditEvent } from '../../src/management/types.ts';
import { createJsonLogger } from '../../src/observability/logger.ts';
import { currentRequestId } from '../../src/observability/request-id.ts';
import { ADMIN, api, freePort, managementConfig, managementToken } from '../management/support.ts';

/**
 * Behind a trusted proxy (`--trust-proxy`), the access line names the client the proxy vouches for, and
 * the lines written on a request's behalf elsewhere (here an /api/v2 audit event) carry its request id.
 */
let tenant: Tenant;
const lines: Record<string, unknown>[] = [];
const audits: { reqId: string | undefined; event: AuditEvent }[] = [];

beforeAll(async () => {
  const port = await freePort();
  const issuer = `http://localhost:${port}/`;
  tenant = await createTenant({
    config: managementConfig(issuer),
    port,
    issuer,
    dataDir: null,
    trustProxy: ['127.0.0.1', '::1'],
    observe: {
      logger: createJsonLogger({ destination: { write: (line: string) => void lines.push(JSON.parse(line)) } }),
    },
    onAudit: (event) => audits.push({ reqId: currentRequestId(), event }),
  });
});
afterAll(() => tenant?.close());

it('an audit event carries the request id of its /api/v2 call, and the access line the proxied client IP', async () => {
  const token = await managementToken(tenant.issuer, ADMIN);
  const created = await api(tenant.issuer, 'POST', '/clients', {
    token,
    headers: { 'X-Request-Id': 'proxy-req-0001', 'X-Forwarded-For': '203.0.113.9' },
    body: { name: 'Traced Machine', app_type: 'non_interactive', grant_types: ['client_credentials'] },
  });
  expect(created.status).toBe(201);

  expect(audits).toEqual([
    { reqId: 'proxy-req-0001', event: expect.objectContaining({ action: 'POST /clients', status: 201 }) },
  ]);
  expect(lines).toContainEqual(
    expect.objectContaining({
      msg: 'request',
      req_id: 'proxy-req-0001',
      route: '/api/v2/*',
      status: 201,
      ip: '203.0.113.9',
    }),
  );
  // Outside a request there is none.
  expect(currentRequestId()).toBeUndefined();
});
