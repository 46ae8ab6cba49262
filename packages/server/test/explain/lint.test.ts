import { lintTenant } from '@authmesh/server';
import { fixtureConfig } from '@authmesh/testkit';
import { describe, expect, it } from 'vitest';

/* lintTenant on configurations built in code, including what the tenant.yaml loader already refuses. */
describe('lintTenant', () => {
  it('lists who may call what in the fixture tenant, and its one scope nobody can obtain', () => {
    const report = lintTenant(fixtureConfig());
    expect(report.findings.map((f) => `${f.severity} ${f.rule}: ${f.message}`)).toEqual([
      'warning unobtainable-scope: No one can obtain the scope write:catalog of Catalog API: no client grant gives it and, as the API enforces RBAC, no role or user holds it.',
    ]);
    expect(report.matrix).toContainEqual({
      kind: 'role',
      who: 'Staff',
      api: 'https://catalog.example.test',
      scopes: ['adjust:stock', 'read:catalog'],
    });
    expect(report.matrix.filter((row) => row.kind === 'client').map((row) => row.who)).toContain('Orders Service');
  });

  it('flags an SPA holding a secret (a config built in code, which the file loader would refuse)', () => {
    const base = fixtureConfig();
    const clients = base.clients.map((c) =>
      c.app_type === 'spa'
        ? { ...c, client_secret: 'spa-secret', token_endpoint_auth_method: 'client_secret_post' as const }
        : c,
    );
    const report = lintTenant({ ...base, clients });
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([
      {
        severity: 'error',
        rule: 'spa-with-secret',
        message:
          'The SPA Shop SPA has a client secret (token_endpoint_auth_method client_secret_post): code shipped to browsers cannot keep one.',
        fix: 'Remove client_secret from Shop SPA and set token_endpoint_auth_method: none (PKCE protects the code).',
      },
    ]);
  });

  it('counts a scope held only by a user permission as obtainable', () => {
    const base = fixtureConfig();
    const api = base.resourceServers[0];
    if (!api) throw new Error('fixture: no API');
    const withNewScope = { ...api, scopes: [...api.scopes, { value: 'audit:stock' }] };
    const unobtainable = lintTenant({ ...base, resourceServers: [withNewScope, ...base.resourceServers.slice(1)] });
    const aboutAudit = (findings: { message: string }[]) => findings.filter((f) => f.message.includes('audit:stock'));
    expect(aboutAudit(unobtainable.findings).map((f) => f.message)).toEqual([
      'No one can obtain the scope audit:stock of Catalog API: no client grant gives it and, as the API enforces RBAC, no role or user holds it.',
    ]);

    const users = base.users.map((u, i) =>
      i === 0
        ? { ...u, permissions: [{ resource_server_identifier: api.identifier, permission_name: 'audit:stock' }] }
        : u,
    );
    const held = lintTenant({ ...base, users, resourceServers: [withNewScope, ...base.resourceServers.slice(1)] });
    expect(aboutAudit(held.findings)).toEqual([]);
  });
});
