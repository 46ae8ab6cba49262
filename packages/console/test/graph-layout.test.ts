import { describe, expect, it } from 'vitest';
import { layoutGraph } from '../src/graph-layout.ts';
import type { ConsoleSystem } from '../src/types.ts';
import { consoleApi, consoleClient } from './records.ts';

const client = consoleClient;
const api = (identifier: string, name: string, is_system = false) => consoleApi(identifier, name, { is_system });

const system: ConsoleSystem = {
  tenant: { name: 'Acme', issuer: 'http://localhost:4000/' },
  clients: [
    client('spa', 'Shop', {
      app_type: 'spa',
      grant_types: ['authorization_code', 'refresh_token'],
      refresh_token: {
        rotation_type: 'rotating',
        expiration_type: 'expiring',
        policies: [{ audience: 'https://orders', scope: ['read:orders'] }],
      },
    }),
    client('svc', 'Orders Service'),
    client('obo', 'Orders API (client)', { app_type: 'resource_server' }),
  ],
  apis: [api('https://catalog', 'Catalog'), api('https://orders', 'Orders'), api('http://x/api/v2/', 'Mgmt', true)],
  client_grants: [
    { id: 'g1', client_id: 'svc', audience: 'https://catalog', scope: ['read:products'], subject_type: 'client' },
    {
      id: 'g2',
      client_id: 'obo',
      audience: 'https://catalog',
      scope: ['read:products', 'read:prices', 'read:stock', 'read:more'],
      subject_type: 'user',
    },
  ],
  roles: [
    {
      id: 'r1',
      name: 'Customer',
      permissions: [
        { audience: 'https://catalog', permission: 'read:products' },
        { audience: 'https://orders', permission: 'read:orders' },
      ],
      user_count: 1,
    },
  ],
  users: { total: 0, shown: [] },
  actions: [],
};

describe('the system picture layout', () => {
  it('draws each grant, refresh policy and role permission set as one edge of its style', () => {
    const layout = layoutGraph(system);
    expect(layout.edges.map((e) => [e.key, e.style])).toEqual([
      ['grant:g1', 'm2m'],
      ['grant:g2', 'obo'],
      ['mrrt:spa:https://orders', 'mrrt'],
      ['perm:r1:https://catalog', 'rbac'],
      ['perm:r1:https://orders', 'rbac'],
    ]);
    // A system API (the Management API) is drawn only when something is granted on it.
    expect(layout.nodes.filter((n) => n.ref.kind === 'api').map((n) => n.title)).toEqual(['Catalog', 'Orders']);
  });

  it('a label too long to draw becomes a count, and the edge name still lists every scope', () => {
    const obo = layoutGraph(system).edges.find((e) => e.key === 'grant:g2')!;
    expect(obo.label).toBe('4 scopes');
    expect(obo.description).toBe(
      "Orders API (client) may call Catalog on a user's behalf (token exchange) with 4 scopes: read:products read:prices read:stock read:more",
    );
  });

  it('edges into one node arrive at different heights, and no node overlaps another in its column', () => {
    const layout = layoutGraph(system);
    const end = (path: string) => path.split(' ').slice(-2).map(Number) as [number, number];
    const catalog = layout.nodes.find((n) => n.title === 'Catalog')!;
    const into = layout.edges
      .map((e) => end(e.path))
      .filter(([x, y]) => x === catalog.x && y > catalog.y && y < catalog.y + catalog.height);
    // The Orders Service grant and the on-behalf-of grant both arrive on the catalog's left side, apart.
    expect(into).toHaveLength(2);
    expect(new Set(into.map(([, y]) => y)).size).toBe(2);
    for (const column of layout.columns) {
      const nodes = layout.nodes.filter((n) => n.x === column.x).sort((a, b) => a.y - b.y);
      for (let i = 1; i < nodes.length; i += 1) {
        expect(nodes[i]!.y).toBeGreaterThanOrEqual(nodes[i - 1]!.y + nodes[i - 1]!.height);
      }
    }
  });

  it('the filter keeps the matching applications and only their edges', () => {
    const layout = layoutGraph(system, 'orders service');
    expect(layout.nodes.filter((n) => n.ref.kind === 'client').map((n) => n.title)).toEqual(['Orders Service']);
    expect(layout.edges.filter((e) => e.style !== 'rbac').map((e) => e.key)).toEqual(['grant:g1']);
  });
});
