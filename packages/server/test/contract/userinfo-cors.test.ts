import { loginForCode } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { ALICE, CATALOG, SPA, startTenant, tokenRequest } from '../security/helpers.ts';

/**
 * `/userinfo` read by a browser page: the JWT path (an API access token) answers with the same CORS
 * headers as the engine's opaque-token path, by the same rule (the origins registered for the token's
 * client). The fixture SPA's registered web origin is http://localhost:5173.
 */
const SPA_ORIGIN = 'http://localhost:5173';
const STRANGER = 'http://localhost:6666';

let tenant: Tenant;
let jwtToken: string;
let opaqueToken: string;

async function userToken(audience?: string): Promise<string> {
  const login = await loginForCode({
    issuer: tenant.issuer,
    clientId: SPA.clientId,
    redirectUri: SPA.redirectUri,
    ...ALICE,
    ...(audience ? { audience } : {}),
  });
  const reply = await tokenRequest(tenant.issuer, {
    grant_type: 'authorization_code',
    client_id: SPA.clientId,
    code: login.code,
    code_verifier: login.verifier,
    redirect_uri: SPA.redirectUri,
  });
  if (reply.status !== 200) throw new Error(reply.text);
  return reply.json.access_token as string;
}

beforeAll(async () => {
  tenant = await startTenant();
  jwtToken = await userToken(CATALOG);
  opaqueToken = await userToken();
});
afterAll(() => tenant?.close());

function userinfo(token: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
  return fetch(new URL('userinfo', tenant.issuer), {
    method,
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
}

describe('/userinfo CORS', () => {
  it('the token kinds are the ones meant: a JWT for the API and userinfo, and an opaque one', () => {
    expect(jwtToken.split('.')).toHaveLength(3);
    expect(opaqueToken.split('.')).toHaveLength(1);
  });

  for (const kind of ['jwt', 'opaque'] as const) {
    const token = () => (kind === 'jwt' ? jwtToken : opaqueToken);

    it(`${kind}: a registered web origin may read the profile`, async () => {
      const response = await userinfo(token(), { origin: SPA_ORIGIN });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
      expect(response.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
      expect(response.headers.get('vary')).toContain('Origin');
      expect(await response.json()).toMatchObject({ email: 'alice@example.test' });
    });

    it(`${kind}: POST works the same way`, async () => {
      const response = await userinfo(token(), { origin: SPA_ORIGIN }, 'POST');
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
    });

    it(`${kind}: another origin gets invalid_request and no CORS header`, async () => {
      const response = await userinfo(token(), { origin: STRANGER });
      expect(response.status).toBe(400);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(await response.json()).toEqual({
        error: 'invalid_request',
        error_description: `origin ${STRANGER} not allowed for client: ${SPA.clientId}`,
      });
    });

    it(`${kind}: without an Origin (not a cross-origin browser request) the profile comes with the engine's "*"`, async () => {
      const response = await userinfo(token());
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    });
  }

  it('a refused JWT tells any origin why, readable cross-origin (as the engine does for opaque tokens)', async () => {
    const [header, payload] = jwtToken.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(342)}`;
    const response = await userinfo(forged, { origin: STRANGER });
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe(STRANGER);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('preflight: 204 allowing GET and POST with the Authorization header', async () => {
    const response = await fetch(new URL('userinfo', tenant.issuer), {
      method: 'OPTIONS',
      headers: {
        origin: SPA_ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization');
  });
});
