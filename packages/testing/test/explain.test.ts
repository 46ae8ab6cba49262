import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTenant, type TestTenant } from '../src/index.ts';

/*
 * `explainToken` (behind `authmesh explain` and `tenant.explain`) on real tokens this tenant issued, each
 * refusal with the exact sentence a developer reads.
 */
const FILE = new URL('./fixtures/tenant.yaml', import.meta.url).pathname;
const CATALOG = 'https://catalog.kit.test';
const ORDERS = 'https://orders.kit.test';

let tenant: TestTenant;
beforeAll(async () => {
  tenant = await startTenant({ file: FILE });
});
afterAll(() => tenant.stop());

const serviceToken = async () =>
  (await tenant.clientCredentials({ client: 'Orders Service', audience: CATALOG })).access_token;

describe('explain', () => {
  it('accepts a token for its audience with the scope it holds', async () => {
    const verdict = await tenant.explain(await serviceToken(), { audience: CATALOG, scopes: ['read:products'] });
    expect(verdict.accepted).toBe(true);
    expect(verdict.summary).toBe(
      'https://catalog.kit.test (Catalog API) would accept this token: issued and signed by this tenant, not expired, for this audience, with read:products.',
    );
    expect(verdict.facts).toContain('subject: the client Orders Service (client credentials)');
  });

  it('1. wrong audience: names the audiences the token has', async () => {
    const verdict = await tenant.explain(await serviceToken(), { audience: ORDERS });
    expect(verdict.accepted).toBe(false);
    expect(verdict.summary).toBe('https://orders.kit.test (Orders API) would refuse this token.');
    expect(verdict.reasons).toEqual([
      'The token is for https://catalog.kit.test (Catalog API), not for https://orders.kit.test (Orders API): ask for audience=https://orders.kit.test (at /authorize for a user, at /oauth/token for a client).',
    ]);
  });

  it('2. expired: says when', async () => {
    const token = await serviceToken();
    const exp = decodeJwt(token).exp ?? 0;
    const verdict = await tenant.explain(token, { audience: CATALOG, now: new Date((exp + 1) * 1000) });
    expect(verdict.reasons).toEqual([`The token expired at ${new Date(exp * 1000).toISOString()}; get a new one.`]);
  });

  it('3. missing scope on a machine token: names the client grant to change', async () => {
    const verdict = await tenant.explain(await serviceToken(), { audience: CATALOG, scopes: ['write:stock'] });
    expect(verdict.reasons).toEqual([
      "The token lacks the scope write:stock: the client grant of Orders Service for https://catalog.kit.test gives only read:products; add write:stock to that grant's scope.",
    ]);
  });

  it('4. missing permission on a user token (RBAC): names the role that has it', async () => {
    const { access_token } = await tenant.userToken({
      user: 'customer@kit.test',
      client: 'Shop SPA',
      audience: CATALOG,
    });
    const verdict = await tenant.explain(access_token, { audience: CATALOG, scopes: ['write:stock'] });
    expect(verdict.reasons).toEqual([
      "The token lacks the permission write:stock: Catalog API enforces RBAC, so a user's token carries only the permissions the user holds, and customer@kit.test (roles: Customer) does not hold write:stock; assign the role Staff to the user, or give the user the permission directly.",
    ]);
  });

  it('5. missing scope on a user token without RBAC: the app did not ask for it', async () => {
    const { access_token } = await tenant.userToken({
      user: 'customer@kit.test',
      client: 'Shop SPA',
      audience: ORDERS,
      scope: 'openid read:orders',
    });
    const verdict = await tenant.explain(access_token, { audience: ORDERS, scopes: ['read:orders', 'create:orders'] });
    expect(verdict.reasons).toEqual([
      'The token lacks the scope create:orders: the app did not ask for it; add create:orders to the scope the app requests at /authorize.',
    ]);
  });

  it('6. a scope the API does not define', async () => {
    const verdict = await tenant.explain(await serviceToken(), { audience: CATALOG, scopes: ['delete:products'] });
    expect(verdict.reasons).toEqual([
      "Catalog API defines no scope delete:products (its scopes: read:products, write:stock): no token can carry it; add it to the API's scopes or check the name.",
    ]);
  });

  it('7. a token only for /userinfo (the login named no audience)', async () => {
    const { access_token } = await tenant.userToken({ user: 'customer@kit.test', client: 'Shop SPA' });
    const verdict = await tenant.explain(access_token, { audience: CATALOG });
    expect(verdict.accepted).toBe(false);
    expect(verdict.reasons).toEqual([
      'This is an opaque access token, not a JWT: the tenant issues one when the login names no audience, and it is only good for /userinfo; ask for audience=https://catalog.kit.test to get a JWT for the API.',
    ]);
  });

  it('8. an ID token given as an access token', async () => {
    const { id_token } = await tenant.userToken({ user: 'customer@kit.test', client: 'Shop SPA', audience: CATALOG });
    const verdict = await tenant.explain(id_token ?? '', { audience: CATALOG });
    expect(verdict.reasons).toEqual([
      'This is an ID token for the client Shop SPA, not an access token: send the access token from the same token response to the API; the ID token only tells the app who logged in.',
    ]);
  });

  it('9. a token from another tenant (another issuer)', async () => {
    const other = await startTenant({ file: FILE });
    try {
      const { access_token } = await other.clientCredentials({ client: 'Orders Service', audience: CATALOG });
      const verdict = await tenant.explain(access_token, { audience: CATALOG });
      expect(verdict.reasons).toEqual([
        `The token was issued by ${other.issuer}, not by this tenant (${tenant.issuer}): get a token from ${tenant.issuer}.`,
      ]);
    } finally {
      await other.stop();
    }
  });

  it('10. a token from another tenant with the same issuer (another store, other keys)', async () => {
    const first = await startTenant({ file: FILE });
    const { access_token } = await first.clientCredentials({ client: 'Orders Service', audience: CATALOG });
    const kid = decodeProtectedHeader(access_token).kid;
    await first.stop();
    const second = await startTenant({ file: FILE, port: first.port });
    try {
      const verdict = await second.explain(access_token, { audience: CATALOG });
      expect(verdict.reasons).toEqual([
        `The signature (kid ${kid}) does not verify with this tenant's keys (${second.issuer}.well-known/jwks.json): the token comes from another tenant with the same issuer (another data directory) or was altered.`,
      ]);
    } finally {
      await second.stop();
    }
  });

  it('11. an altered token (scope added to the payload)', async () => {
    const [header, payload, signature] = (await serviceToken()).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, scope: 'read:products write:stock' })).toString('base64url');
    const verdict = await tenant.explain(`${header}.${forged}.${signature}`, { audience: CATALOG });
    expect(verdict.reasons[0]).toMatch(/^The signature \(kid [^)]+\) does not verify with this tenant's keys/);
  });

  it('12. an audience this tenant has no API for', async () => {
    const verdict = await tenant.explain(await serviceToken(), { audience: 'https://payments.kit.test' });
    expect(verdict.reasons).toEqual([
      'This tenant has no API with the identifier https://payments.kit.test (its APIs: https://catalog.kit.test, https://orders.kit.test).',
    ]);
  });

  it('13. something that is not a token at all', async () => {
    const verdict = await tenant.explain('Bearer eyJ.not-a-token', { audience: CATALOG });
    expect(verdict.reasons).toEqual([
      'This is not a JWT: a JWT has three base64url parts separated by dots, with a JSON header and payload.',
    ]);
  });
});

function decodeProtectedHeader(token: string): { kid?: string } {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: string };
}
