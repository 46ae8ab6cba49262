import { generateKeyPairSync, type KeyObject, type webcrypto } from 'node:crypto';
import { decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createM2MClient, type M2MClientOptions } from '../../src/m2m/index.ts';
import {
  type FakeTokenEndpoint,
  type RecordedRequest,
  startFakeTokenEndpoint,
  tokenBody,
} from './support/fake-token-endpoint.ts';

const TARGET = { audience: 'https://catalog.example.test' };
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

let endpoint: FakeTokenEndpoint;
let verified: { payload: Record<string, unknown>; header: Record<string, unknown> }[];

/** Answers like a tenant that verifies private_key_jwt (RFC 7523 §3) against the registered public key. */
function verifyingEndpoint(key: KeyObject | webcrypto.CryptoKey) {
  return async (request: RecordedRequest, n: number) => {
    const form = request.form;
    if (
      form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' ||
      form.has('client_secret')
    ) {
      return { status: 400, body: { error: 'invalid_request' } };
    }
    try {
      const { payload, protectedHeader } = await jwtVerify(form.get('client_assertion') ?? '', key, {
        algorithms: ['RS256'],
        issuer: 'svc',
        subject: 'svc',
        audience: endpoint.issuer,
        maxTokenAge: '5m',
      });
      verified.push({ payload, header: { ...protectedHeader } });
      return { body: tokenBody(`token-${n}`) };
    } catch (error) {
      return { status: 401, body: { error: 'invalid_client', error_description: (error as Error).message } };
    }
  };
}

function client(options: Partial<M2MClientOptions>) {
  return createM2MClient({ issuerBaseURL: endpoint.issuer, clientId: 'svc', ...options });
}

beforeEach(async () => {
  endpoint = await startFakeTokenEndpoint();
  verified = [];
  endpoint.fallback = verifyingEndpoint(publicKey);
});
afterEach(() => endpoint.close());

describe('private_key_jwt client authentication', () => {
  it('sends an RS256 assertion with iss = sub = clientId, aud = issuer, jti, iat, exp = iat + 60 (KeyObject)', async () => {
    const m2m = client({ privateKey });
    expect((await m2m.getToken(TARGET)).accessToken).toBe('token-1');
    const [request] = endpoint.requests;
    expect(request?.form.get('client_id')).toBe('svc');
    expect(request?.form.get('grant_type')).toBe('client_credentials');
    expect(request?.form.get('audience')).toBe(TARGET.audience);
    const [{ payload, header } = { payload: {}, header: {} }] = verified;
    expect(header).toEqual({ alg: 'RS256' });
    expect(payload).toMatchObject({ iss: 'svc', sub: 'svc', aud: endpoint.issuer });
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect((payload.exp as number) - (payload.iat as number)).toBe(60);
    await m2m.close();
  });

  it('each request carries a fresh assertion (new jti)', async () => {
    const m2m = client({ privateKey });
    await m2m.getToken(TARGET);
    await m2m.getToken({ audience: 'https://orders.example.test' });
    expect(verified).toHaveLength(2);
    expect(verified[0]?.payload.jti).not.toBe(verified[1]?.payload.jti);
    await m2m.close();
  });

  it('accepts a private JWK (its kid goes into the header)', async () => {
    const jwk = { ...(await exportJWK(privateKey)), kid: 'key-2026' };
    const m2m = client({ privateKey: jwk });
    await m2m.getToken(TARGET);
    expect(decodeProtectedHeader(endpoint.requests[0]?.form.get('client_assertion') ?? '')).toEqual({
      alg: 'RS256',
      kid: 'key-2026',
    });
    await m2m.close();
  });

  it('accepts a WebCrypto CryptoKey', async () => {
    const pair = await generateKeyPair('RS256', { extractable: false });
    endpoint.fallback = verifyingEndpoint(pair.publicKey);
    const m2m = client({ privateKey: pair.privateKey });
    expect((await m2m.getToken(TARGET)).accessToken).toBe('token-1');
    await m2m.close();
  });

  it('an assertion signed by another key is refused by the tenant → ERR_M2M_INVALID_CLIENT', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const m2m = client({ privateKey: other });
    await expect(m2m.getToken(TARGET)).rejects.toMatchObject({ code: 'ERR_M2M_INVALID_CLIENT' });
    await m2m.close();
  });

  it('the assertion’s iat/exp follow the injected clock', async () => {
    const at = Date.UTC(2026, 5, 1);
    const m2m = client({ privateKey, clock: { now: () => at } });
    endpoint.fallback = (request) => {
      const [, payload] = (request.form.get('client_assertion') ?? '').split('.');
      verified.push({ payload: JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), header: {} });
      return { body: tokenBody('t') };
    };
    await m2m.getToken(TARGET);
    expect(verified[0]?.payload).toMatchObject({ iat: at / 1000, exp: at / 1000 + 60 });
    await m2m.close();
  });
});
