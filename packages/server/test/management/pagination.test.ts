import { fixtureConfig } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourceServer } from '../../src/config/types.ts';
import type { Tenant } from '../../src/create-tenant.ts';
import { ADMIN, bind, errorBody, managementToken, startManagementTenant } from './support.ts';

/**
 * Both pagination styles of Auth0: offset pages with `include_totals` envelopes
 * and checkpoints with `next`, across more than one page, for each collection.
 */
let tenant: Tenant;
let call: ReturnType<typeof bind>;

const EXTRA_APIS = 60;
const GRANTS_CREATED = 5;

beforeAll(async () => {
  const [template] = fixtureConfig().resourceServers as [ResourceServer];
  const extra = Array.from({ length: EXTRA_APIS }, (_, i) => ({
    ...template,
    name: `Bulk API ${i}`,
    identifier: `https://bulk-${i}.example.test`,
  }));
  tenant = await startManagementTenant({
    overrides: { resourceServers: [...fixtureConfig().resourceServers, ...extra] },
  });
  call = bind(tenant.issuer, await managementToken(tenant.issuer, ADMIN));
  // Grants created through the API, on top of those of the file.
  for (let i = 0; i < GRANTS_CREATED; i++) {
    const reply = await call('POST', '/client-grants', {
      body: { client_id: 'orders-m2m-0001', audience: `https://bulk-${i}.example.test`, scope: ['read:catalog'] },
    });
    if (reply.status !== 201) throw new Error(`grant ${i}: ${reply.status}`);
  }
});
afterAll(() => tenant?.close());

type Item = { id?: string; client_id?: string };
const keyOf = (item: Item) => item.id ?? item.client_id ?? '';

/** Follows `next` until it is absent; returns every page. */
async function checkpointPages(path: string, collection: string, take: number): Promise<Item[][]> {
  const pages: Item[][] = [];
  let from: string | undefined;
  for (let guard = 0; guard < 50; guard++) {
    const query = `take=${take}${from === undefined ? '' : `&from=${encodeURIComponent(from)}`}`;
    const reply = await call('GET', `${path}?${query}`);
    expect(reply.status).toBe(200);
    const body = reply.json as Record<string, unknown>;
    pages.push(body[collection] as Item[]);
    if (body.next === undefined) return pages;
    expect(typeof body.next).toBe('string');
    from = body.next as string;
  }
  throw new Error('checkpoint pagination did not end');
}

/** Asks for pages as node-auth0 does: until one comes back shorter than `perPage`. */
async function offsetPages(
  path: string,
  collection: string,
  perPage: number,
): Promise<{ pages: Item[][]; total: number }> {
  const pages: Item[][] = [];
  let total = -1;
  for (let page = 0; page < 50; page++) {
    const reply = await call('GET', `${path}?page=${page}&per_page=${perPage}&include_totals=true`);
    const body = reply.json as Record<string, unknown>;
    expect(body).toMatchObject({ start: page * perPage, limit: perPage });
    total = body.total as number;
    const items = body[collection] as Item[];
    pages.push(items);
    if (items.length < perPage) return { pages, total };
  }
  throw new Error('offset pagination did not end');
}

describe.each([
  ['/resource-servers', 'resource_servers', 7],
  ['/clients', 'clients', 3],
  ['/client-grants', 'client_grants', 3],
])('%s', (path, collection, size) => {
  it('offset pages with include_totals cover every item once, and agree with the bare-array pages', async () => {
    const { pages, total } = await offsetPages(path, collection, size);
    const all = pages.flat().map(keyOf);
    expect(pages.length).toBeGreaterThan(1);
    expect(all.length).toBe(total);
    expect(new Set(all).size).toBe(total);
    const bare = await call('GET', `${path}?page=1&per_page=${size}`);
    expect((bare.json as Item[]).map(keyOf)).toEqual(pages[1]?.map(keyOf));
  });

  it('checkpoint pages (take/from) cover the same items in the same order; `next` is absent at the end', async () => {
    const { pages: offset } = await offsetPages(path, collection, size);
    const pages = await checkpointPages(path, collection, size);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flat().map(keyOf)).toEqual(offset.flat().map(keyOf));
  });
});

describe('defaults and limits', () => {
  it('per_page defaults to 50 and page is honoured: node-auth0 stops at the first short page', async () => {
    const first = (await call('GET', '/resource-servers?include_totals=true')).json as Record<string, unknown>;
    const total = 1 + fixtureConfig().resourceServers.length + EXTRA_APIS;
    expect(first).toMatchObject({ start: 0, limit: 50, total });
    expect(first.resource_servers).toHaveLength(50);
    const second = (await call('GET', '/resource-servers?include_totals=true&page=1')).json as Record<string, unknown>;
    expect(second).toMatchObject({ start: 50, limit: 50, total });
    expect(second.resource_servers).toHaveLength(total - 50);
    expect((await call('GET', '/resource-servers')).json).toHaveLength(50);
    expect((await call('GET', '/resource-servers?per_page=100')).json).toHaveLength(total);
    expect((await call('GET', '/resource-servers?page=5')).json).toEqual([]);
  });

  it('client grants: node-auth0 sends take=50 (+client_id) and reads {client_grants, next}', async () => {
    const reply = await call('GET', '/client-grants?take=50&client_id=orders-m2m-0001');
    const body = reply.json as { client_grants: Item[]; next?: string };
    expect(body.client_grants.length).toBe(1 + GRANTS_CREATED);
    expect(body).not.toHaveProperty('next');
  });

  it('bad paging parameters → 400 invalid_query_string naming the parameter', async () => {
    const cases: [string, string][] = [
      ['per_page=101', "Query validation error: 'Value 101 is greater than maximum 100' on property per_page."],
      ['per_page=0', "Query validation error: 'Value 0 is less than minimum 1' on property per_page."],
      ['page=-1', "Query validation error: 'Expected type integer but found type string' on property page."],
      ['take=1000', "Query validation error: 'Value 1000 is greater than maximum 100' on property take."],
      [
        'include_totals=yes',
        "Query validation error: 'Expected type boolean but found type string' on property include_totals.",
      ],
      ['take=2&from=not-a-checkpoint', "Query validation error: 'Invalid checkpoint' on property from."],
    ];
    for (const [query, message] of cases) {
      const reply = await call('GET', `/client-grants?${query}`);
      expect(reply.status, query).toBe(400);
      expect(reply.json).toEqual(errorBody(400, message, 'invalid_query_string'));
    }
  });
});
