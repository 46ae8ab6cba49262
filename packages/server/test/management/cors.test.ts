import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/index.ts';
import { ADMIN, api, managementToken, startManagementTenant } from './support.ts';

const SPA_ORIGIN = 'http://localhost:5173';

/** Browser calls to /api/v2 (an SPA's self-service token): CORS for registered web origins only. */
describe('/api/v2 CORS', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await startManagementTenant();
  });
  afterAll(() => tenant?.close());

  it('a preflight from a registered web origin is answered for Authorization and PATCH', async () => {
    const reply = await api(tenant.issuer, 'OPTIONS', '/users/auth0%7Cx', {
      headers: {
        origin: SPA_ORIGIN,
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(reply.status).toBe(204);
    expect(reply.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
    expect(reply.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(reply.headers.get('access-control-allow-methods')).toContain('PATCH');
  });

  it('an actual request from a registered origin gets the origin echoed; a foreign origin gets no CORS headers', async () => {
    const token = await managementToken(tenant.issuer, ADMIN);
    const ours = await api(tenant.issuer, 'GET', '/resource-servers', { token, headers: { origin: SPA_ORIGIN } });
    expect(ours.status).toBe(200);
    expect(ours.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
    const foreign = await api(tenant.issuer, 'GET', '/resource-servers', {
      token,
      headers: { origin: 'http://evil.example' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await api(tenant.issuer, 'OPTIONS', '/resource-servers', {
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});
