import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTenantConfigFile } from '../../src/config/load.ts';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import { explainToken, type PublicJwk } from '../../src/explain/index.ts';
import {
  CATALOG,
  clientCredentials,
  clientOf,
  consoleApi,
  EXAMPLE_CONFIG,
  freePort,
  ORDERS_API,
  sessionToken,
} from './support.ts';

interface Inspection {
  header: Record<string, unknown> | null;
  claims: Record<string, unknown> | null;
  explanations: { claim: string; value: unknown; meaning: string }[];
  signature: { verified: boolean; kid?: string; reason?: string };
  expiry?: { expired: boolean; exp: string; seconds: number };
  verdict?: { accepted: boolean; facts: string[]; reasons: string[]; summary: string };
  apis: string[];
}

const TWO_HOURS_MS = 2 * 3_600_000;

/** docs/console.md, "Token inspector": one verdict implementation with `authmesh explain`. */
describe('POST /console/api/inspect', () => {
  let tenant: Tenant;
  /** The tenant's signing clock runs this far behind while the test mints an already expired console token. */
  let clockOffsetMs = -TWO_HOURS_MS;
  let expiredToken: string;
  let catalogToken: string;

  beforeAll(async () => {
    const port = await freePort();
    tenant = await createTenant({
      config: await loadTenantConfigFile(EXAMPLE_CONFIG),
      port,
      issuer: `http://localhost:${port}/`,
      dataDir: null,
      console: { access: 'loopback' },
      keyRotation: { now: () => Date.now() + clockOffsetMs },
    });
    // Minted on the clock two hours back with a one-hour lifetime: expired an hour ago in real time.
    expiredToken = await sessionToken(tenant);
    clockOffsetMs = 0;
    const issued = await clientCredentials(tenant, clientOf(tenant, 'Orders Service'), CATALOG);
    catalogToken = String(issued.json.access_token);
  });
  afterAll(() => tenant?.close());

  async function inspect(body: unknown): Promise<Inspection> {
    const reply = await consoleApi(tenant, 'inspect', { body });
    expect(reply.status).toBe(200);
    return reply.json as Inspection;
  }

  it('decodes, explains and verifies a token the tenant issued, and gives the verdict for its API', async () => {
    const result = await inspect({ token: catalogToken });
    expect(result.header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(result.claims).toMatchObject({ aud: CATALOG, gty: 'client-credentials' });
    expect(result.signature).toEqual({ verified: true, kid: result.header?.kid });
    expect(result.expiry?.expired).toBe(false);
    expect(result.expiry?.seconds).toBeGreaterThan(3500);
    expect(result.verdict?.accepted).toBe(true);
    // Pasted with the header's scheme, it is the same token.
    const pasted = await inspect({ token: `Bearer ${catalogToken}\n` });
    expect([pasted.claims, pasted.signature, pasted.verdict?.accepted]).toEqual([
      result.claims,
      result.signature,
      true,
    ]);
    expect(result.apis).toEqual([`${tenant.issuer}api/v2/`, CATALOG, ORDERS_API, 'https://inventory.acme.test']);
    const meaning = (claim: string) => result.explanations.find((e) => e.claim === claim)?.meaning ?? '';
    expect(result.explanations.map((e) => e.claim).sort()).toEqual(Object.keys(result.claims ?? {}).sort());
    expect(meaning('gty')).toMatch(/^Grant type: client credentials/);
    expect(meaning('sub')).toContain('Orders Service');
    expect(meaning('azp')).toContain('Orders Service');
    expect(meaning('aud')).toContain('Catalog API');
    expect(meaning('permissions')).toMatch(/^RBAC permissions/);
    expect(meaning('https://acme.test/client_name')).toMatch(/custom claim an Action added/);
  });

  it('says an expired token expired, and when', async () => {
    const result = await inspect({ token: expiredToken });
    expect(result.signature.verified).toBe(true);
    const exp = result.claims?.exp as number;
    expect(result.expiry).toEqual({
      expired: true,
      exp: new Date(exp * 1000).toISOString(),
      seconds: expect.any(Number),
    });
    expect(result.expiry?.seconds).toBeLessThan(-3000);
    expect(result.verdict?.accepted).toBe(false);
    expect(result.verdict?.reasons).toContain(
      `The token expired at ${new Date(exp * 1000).toISOString()}; get a new one.`,
    );
  });

  it('does not verify a token whose signature was tampered with, or whose claims were', async () => {
    const [h, p, s] = catalogToken.split('.') as [string, string, string];
    const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    const badSignature = await inspect({ token: `${h}.${p}.${flipped}` });
    expect(badSignature.signature.verified).toBe(false);
    expect(badSignature.signature.reason).toMatch(/does not match/);
    expect(badSignature.verdict?.accepted).toBe(false);

    const claims = { ...JSON.parse(Buffer.from(p, 'base64url').toString('utf8')), scope: 'read:products write:stock' };
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    expect((await inspect({ token: forged })).signature.verified).toBe(false);

    const foreignKid = { ...JSON.parse(Buffer.from(h, 'base64url').toString('utf8')), kid: 'someone-elses-key' };
    const foreign = await inspect({
      token: `${Buffer.from(JSON.stringify(foreignKid)).toString('base64url')}.${p}.${s}`,
    });
    expect(foreign.signature).toMatchObject({ verified: false, kid: 'someone-elses-key' });
    expect(foreign.signature.reason).toMatch(/No key with kid someone-elses-key is published/);
  });

  it('gives, for a chosen API, exactly the verdict `authmesh explain` prints', async () => {
    // What the explain command builds: tenant.yaml, the running tenant's clients and users, and its JWKS.
    const jwks = (await (await fetch(new URL('.well-known/jwks.json', tenant.url))).json()) as { keys: PublicJwk[] };
    const cli = {
      issuer: tenant.issuer,
      keys: jwks.keys,
      config: await loadTenantConfigFile(EXAMPLE_CONFIG),
      clients: tenant.clients,
      users: tenant.users,
    };
    for (const audience of [ORDERS_API, CATALOG]) {
      const result = await inspect({ token: catalogToken, audience });
      expect(result.verdict, audience).toEqual(explainToken(cli, catalogToken, { audience }));
    }
    const refused = await inspect({ token: catalogToken, audience: ORDERS_API });
    expect(refused.verdict?.accepted).toBe(false);
    expect(refused.verdict?.reasons[0]).toContain(`not for ${ORDERS_API} (Orders API)`);
  });

  it('answers a token that is not a JWT with header and claims null and the reason', async () => {
    const opaque = await inspect({ token: 'oBqJ3hDk2kRz' });
    expect(opaque).toMatchObject({ header: null, claims: null, explanations: [], signature: { verified: false } });
    expect(opaque.signature.reason).toMatch(/opaque token/);
    const garbage = await inspect({ token: 'not a token at all' });
    expect(garbage.signature.reason).toMatch(/^Not a JWT/);
    const hugeExp = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"exp":1e300}').toString('base64url')}.x`;
    const absurd = await inspect({ token: hugeExp });
    expect(absurd.claims).toEqual({ exp: 1e300 });
    expect(absurd).not.toHaveProperty('expiry');
  });

  it('refuses a body that is not {token: string} with 400, and non-JSON with 415', async () => {
    for (const body of [{}, { token: 5 }, { token: 'x', audience: 7 }, ['x'], 'x']) {
      const reply = await consoleApi(tenant, 'inspect', { body });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.json).toMatchObject({ statusCode: 400, errorCode: 'invalid_body' });
    }
    const form = await fetch(new URL('console/api/inspect', tenant.url), {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"token":"x"}',
    });
    expect(form.status).toBe(415);
    const get = await consoleApi(tenant, 'inspect');
    expect(get.status).toBe(405);
  });
});
