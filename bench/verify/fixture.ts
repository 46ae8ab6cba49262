/**
 * The verification bench's tenant stand-in: an RSA-2048 key, an Auth0-style M2M access token signed with it
 * (RS256, about 750 characters), and a tiny node:http server for discovery and the JWKS, which counts its hits
 * so that the bench can show that no key fetch happens while it measures.
 */
import { createHash, generateKeyPairSync, type JsonWebKey, type KeyObject, sign } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const AUDIENCE = 'https://catalog.example.test';
export const CLIENT_ID = 'orders-m2m-0001';
/** The scope the protected route requires. */
export const REQUIRED_SCOPE = 'read:catalog';
const TOKEN_SCOPE = 'read:catalog write:catalog';

export interface Fixture {
  /** `http://127.0.0.1:<port>/`: the discovery document's `issuer` and every token's `iss`. */
  issuer: string;
  jwks: { keys: JsonWebKey[] };
  publicKey: KeyObject;
  /** The typical token: valid 24 h, scope includes `read:catalog`. */
  token: string;
  /** Same shape, scope `write:orders` only (the routes must answer 403). */
  tokenWithoutScope: string;
  /** The token's JWS signing input and decoded signature, for the raw node:crypto baseline. */
  signingInput: Buffer;
  signature: Buffer;
  /** Requests served, by path (discovery, JWKS, anything else). */
  hits: Record<string, number>;
  close(): Promise<void>;
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function startFixture(): Promise<Fixture> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const exported = publicKey.export({ format: 'jwk' });
  // RFC 7638 thumbprint as kid (43 characters, about as long as Auth0's).
  const kid = createHash('sha256')
    .update(JSON.stringify({ e: exported.e, kty: exported.kty, n: exported.n }))
    .digest('base64url');
  const jwks = { keys: [{ ...exported, kid, alg: 'RS256', use: 'sig' }] };

  const hits: Record<string, number> = {};
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    hits[path] = (hits[path] ?? 0) + 1;
    const body =
      path === '/.well-known/openid-configuration'
        ? {
            issuer,
            jwks_uri: `${issuer}.well-known/jwks.json`,
            token_endpoint: `${issuer}oauth/token`,
            id_token_signing_alg_values_supported: ['RS256'],
          }
        : path === '/.well-known/jwks.json'
          ? jwks
          : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not_found' }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const mint = (scope: string) => {
    const iat = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', kid };
    const payload = {
      iss: issuer,
      sub: `${CLIENT_ID}@clients`,
      aud: AUDIENCE,
      iat,
      exp: iat + 86_400,
      scope,
      gty: 'client-credentials',
      azp: CLIENT_ID,
    };
    const input = `${b64(header)}.${b64(payload)}`;
    const signature = sign('sha256', Buffer.from(input), privateKey);
    return { token: `${input}.${signature.toString('base64url')}`, input, signature };
  };
  const typical = mint(TOKEN_SCOPE);

  return {
    issuer,
    jwks,
    publicKey,
    token: typical.token,
    tokenWithoutScope: mint('write:orders').token,
    signingInput: Buffer.from(typical.input),
    signature: typical.signature,
    hits,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Discovery + JWKS requests served so far. */
export const keyFetches = (fixture: Fixture) => Object.values(fixture.hits).reduce((a, b) => a + b, 0);
