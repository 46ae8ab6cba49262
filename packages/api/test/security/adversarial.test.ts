import type { Tenant } from '@authmesh/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthResult, BearerError, createVerifier, type Verifier, type VerifierOptions } from '../../src/index.ts';
import { Canary, FakeTenant, testClocks } from '../core/support/fake-tenant.ts';
import {
  attackerKey,
  b64url,
  defined,
  ecKey,
  forge,
  rawSignature,
  rsaKey,
  signJwt,
  type TestKey,
} from '../core/support/keys.ts';
import { aliceTokens, CATALOG, m2mToken, startRealTenant } from '../core/support/real-tenant.ts';

/**
 * Adversarial tokens and requests against `verifier.authenticate(request)` (docs/security.md, "The API
 * SDK"). One table: each case builds a request, names the RFC section it exercises and the exact refusal
 * expected (status, code, reason), and is also checked for what must NOT
 * happen: an `error_description` with quotes, backslashes, CR/LF or attacker text, and any request to the
 * tenant or to a token-supplied URL (the canary).
 */

const API = 'https://api.test';
const k1 = rsaKey('k1');
const e1 = ecKey('e1');
/** An RSA-1024 key published in the JWKS: never usable (RFC 8725 §3.5, RSA ≥ 2048). */
const weak = rsaKey('weak', 1024);
const attacker = attackerKey();
const attackerPkcs1Jwk = { ...attacker.jwk, kid: 'k1' };

const clocks = testClocks();
const NOW = clocks.wall;
const TOLERANCE = 5; // the default clockTolerance

let fake: FakeTenant;
let canary: Canary;
let realTenant: Tenant;
let realM2mToken: string;
let realIdToken: string;

type VerifierName = 'default' | 'rsEs' | 'es256' | 'strict' | 'real';
const verifiers = {} as Record<VerifierName, Verifier>;

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return defined({
    iss: fake.issuer,
    sub: 'user-1',
    aud: API,
    iat: NOW - 60,
    exp: NOW + 3600,
    scope: 'read:msg',
    azp: 'spa-1',
    ...overrides,
  });
}

const HEADER = { alg: 'RS256', kid: 'k1', typ: 'at+jwt' } as const;

/** RS256 with any header and payload, signed with `key` (default: the tenant's k1). */
function rs256(header: Record<string, unknown>, payload: Record<string, unknown>, key: TestKey = k1): string {
  return forge(header, payload, (input) => rawSignature('RS256', key.privateKey, input));
}

function es256(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return forge(header, payload, (input) => rawSignature('ES256', e1.privateKey, input));
}

const hs256 = (secret: string | Buffer, header: Record<string, unknown> = { alg: 'HS256', kid: 'k1', typ: 'at+jwt' }) =>
  forge(header, claims(), (input) => rawSignature('HS256', secret, input));

const segments = (token: string) => token.split('.') as [string, string, string];
const bearer = (token: string) => new Request(`${API}/orders`, { headers: { authorization: `Bearer ${token}` } });

interface Expected {
  status: number;
  code?: string;
  reason?: string;
}

interface Case {
  name: string;
  /** The RFC section this case exercises (`control` for the cases that must pass). */
  id: string;
  verifier?: VerifierName;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: () => string | Promise<string>;
  /** Or a whole request. */
  request?: () => Request | Promise<Request>;
  /** Attacker-chosen strings that must not be echoed in the error. */
  echo?: string[];
  expected: Expected;
}

const ok: Expected = { status: 200 };
const invalid = (reason: string): Expected => ({ status: 401, code: 'ERR_TOKEN_INVALID', reason });
const MISSING: Expected = { status: 401, code: 'ERR_TOKEN_MISSING' };
const BAD_REQUEST: Expected = { status: 400, code: 'ERR_REQUEST_INVALID' };

const k1Pem = () => k1.publicKey.export({ type: 'spki', format: 'pem' }) as string;

const cases: Case[] = [
  // ---- positive controls: the same verifiers accept well-formed tokens
  { name: 'valid RS256 at+jwt token', id: 'control', token: () => signJwt(k1, claims()), expected: ok },
  {
    name: 'valid ES256 token (ES256 allowed)',
    id: 'control',
    verifier: 'es256',
    token: () => es256({ alg: 'ES256', kid: 'e1', typ: 'at+jwt' }, claims()),
    expected: ok,
  },
  { name: 'real tenant M2M access token', id: 'control', verifier: 'real', token: () => realM2mToken, expected: ok },

  // ---- RFC 8725 §3.1: alg none in every casing, empty and garbage signature
  ...['none', 'None', 'NONE', 'nOnE'].flatMap((alg): Case[] => [
    {
      name: `alg "${alg}" with an empty signature`,
      id: 'RFC 8725 §3.1',
      token: () => forge({ alg, typ: 'at+jwt' }, claims(), { signature: '' }),
      expected: invalid('algorithm'),
    },
    {
      name: `alg "${alg}" with a garbage signature and kid k1`,
      id: 'RFC 8725 §3.1',
      token: () => forge({ alg, kid: 'k1', typ: 'at+jwt' }, claims(), { signature: b64url('garbage-signature') }),
      expected: invalid('algorithm'),
    },
  ]),
  {
    name: 'alg none on the strict verifier',
    id: 'RFC 8725 §3.1',
    verifier: 'strict',
    token: () => forge({ alg: 'none', typ: 'at+jwt' }, claims(), { signature: '' }),
    expected: invalid('algorithm'),
  },

  // ---- RFC 8725 §3.1: HS256 HMAC'd with our RSA public key, default allow-list and RS256+ES256
  ...(['default', 'rsEs'] as const).flatMap((verifier): Case[] =>
    [
      { what: 'the PEM SPKI of k1', secret: () => k1Pem() },
      { what: 'the PEM without its trailing newline', secret: () => k1Pem().trimEnd() },
      { what: 'the JWK JSON of k1', secret: () => JSON.stringify(k1.jwk) },
      { what: 'the modulus n (text)', secret: () => k1.jwk.n as string },
      { what: 'the modulus n (bytes)', secret: () => Buffer.from(k1.jwk.n as string, 'base64url') },
    ].map(({ what, secret }) => ({
      name: `HS256 keyed with ${what} (${verifier === 'default' ? 'default allow-list' : 'RS256+ES256'})`,
      id: 'RFC 8725 §3.1',
      verifier,
      token: () => hs256(secret()),
      expected: invalid('algorithm'),
    })),
  ),

  // ---- RFC 8725 §3.10: key material in the header is never used, token URLs never fetched
  ...[true, false].flatMap((withKid): Case[] => {
    const base = withKid ? { alg: 'RS256', kid: 'k1', typ: 'at+jwt' } : { alg: 'RS256', typ: 'at+jwt' };
    const suffix = withKid ? 'with kid k1' : 'without kid';
    return [
      {
        name: `attacker-signed, jwk header ${suffix}`,
        id: 'RFC 8725 §3.10',
        token: () => rs256({ ...base, jwk: attackerPkcs1Jwk }, claims(), attacker),
        expected: invalid('signature'),
      },
      {
        name: `attacker-signed, jku → canary ${suffix}`,
        id: 'RFC 8725 §3.10',
        token: () => rs256({ ...base, jku: `${canary.url}/jwks.json` }, claims(), attacker),
        echo: ['/jwks.json'],
        expected: invalid('signature'),
      },
      {
        name: `attacker-signed, x5u → canary ${suffix}`,
        id: 'RFC 8725 §3.10',
        token: () => rs256({ ...base, x5u: `${canary.url}/cert.pem` }, claims(), attacker),
        echo: ['/cert.pem'],
        expected: invalid('signature'),
      },
      {
        name: `attacker-signed, x5c self-signed certificate ${suffix}`,
        id: 'RFC 8725 §3.10',
        token: () => rs256({ ...base, x5c: [attacker.certDerBase64] }, claims(), attacker),
        expected: invalid('signature'),
      },
      {
        name: `attacker-signed, jwk + jku + x5u + x5c together ${suffix}`,
        id: 'RFC 8725 §3.10',
        token: () =>
          rs256(
            {
              ...base,
              jwk: attackerPkcs1Jwk,
              jku: `${canary.url}/jwks.json`,
              x5u: `${canary.url}/x5u`,
              x5c: [attacker.certDerBase64],
            },
            claims(),
            attacker,
          ),
        expected: invalid('signature'),
      },
    ];
  }),
  {
    name: 'attacker-signed with jku and the attacker kid (the canary serves that kid)',
    id: 'RFC 8725 §3.10',
    token: () =>
      rs256({ alg: 'RS256', kid: 'attacker', typ: 'at+jwt', jku: `${canary.url}/jwks.json` }, claims(), attacker),
    expected: invalid('key_unknown'),
  },

  // ---- RFC 8725 §3.10: kid is an opaque, length-capped map key
  {
    name: 'kid path traversal ../../../../dev/null, HS256 with an empty key',
    id: 'RFC 8725 §3.1, §3.10',
    token: () => hs256('', { alg: 'HS256', kid: '../../../../dev/null', typ: 'at+jwt' }),
    echo: ['../../../../dev/null'],
    expected: invalid('algorithm'),
  },
  ...[
    '../../../../dev/null',
    '/proc/self/environ',
    "x' UNION SELECT 'k' --",
    '*)(uid=*',
    '\u0000k1',
    'k1\r\nX-Injected: 1',
    'k1" , error="x',
  ].map(
    (kid): Case => ({
      name: `kid ${JSON.stringify(kid)} (attacker-signed RS256)`,
      id: 'RFC 8725 §3.1, §3.10',
      token: () => rs256({ alg: 'RS256', kid, typ: 'at+jwt' }, claims(), attacker),
      echo: [kid, 'UNION', 'proc', 'X-Injected', 'error="x'],
      expected: invalid('key_unknown'),
    }),
  ),
  {
    name: 'kid of 10 KB → refused by the 8192-character token cap before any lookup',
    id: 'RFC 8725 §3.10; RFC 7519 §7.2',
    token: () => rs256({ alg: 'RS256', kid: 'A'.repeat(10_240), typ: 'at+jwt' }, claims(), attacker),
    expected: invalid('too_large'),
  },
  {
    name: 'kid of 5 KB, under the token size cap: refused before lookup',
    id: 'RFC 8725 §3.1, §3.10',
    token: () => rs256({ alg: 'RS256', kid: 'A'.repeat(5_000), typ: 'at+jwt' }, claims(), attacker),
    echo: ['AAAAAAAA'],
    expected: invalid('header'),
  },
  {
    name: 'kid that is not a string',
    id: 'RFC 8725 §3.1',
    token: () => rs256({ alg: 'RS256', kid: { $ne: null }, typ: 'at+jwt' }, claims()),
    expected: invalid('header'),
  },

  // ---- RFC 7518 §3.4: ECDSA signatures (ES256 allowed)
  {
    name: 'ES256 with a 64-byte all-zero signature (r = s = 0)',
    id: 'RFC 7518 §3.4',
    verifier: 'es256',
    token: () =>
      forge({ alg: 'ES256', kid: 'e1', typ: 'at+jwt' }, claims(), {
        signature: Buffer.alloc(64).toString('base64url'),
      }),
    expected: invalid('signature'),
  },
  {
    name: 'ES256 with the DER signature MAYCAQACAQA (r = s = 0)',
    id: 'RFC 7518 §3.4',
    verifier: 'es256',
    token: () => forge({ alg: 'ES256', kid: 'e1', typ: 'at+jwt' }, claims(), { signature: 'MAYCAQACAQA' }),
    expected: invalid('signature'),
  },
  {
    name: 'ES256 with a valid signature DER-encoded instead of r‖s',
    id: 'RFC 7518 §3.4',
    verifier: 'es256',
    token: () =>
      forge({ alg: 'ES256', kid: 'e1', typ: 'at+jwt' }, claims(), (input) =>
        rawSignature('ES256-DER', e1.privateKey, input),
      ),
    expected: invalid('signature'),
  },
  {
    name: 'ES256 token whose kid names the RSA key k1',
    id: 'RFC 8725 §3.1',
    verifier: 'rsEs',
    token: () => es256({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' }, claims()),
    expected: invalid('key_unknown'),
  },

  // ---- RFC 8725 §3.1: unusable keys in the JWKS
  {
    name: 'RSA-1024 key published in the JWKS signs a token',
    id: 'RFC 8725 §3.1',
    token: () => rs256({ alg: 'RS256', kid: 'weak', typ: 'at+jwt' }, claims(), weak),
    expected: invalid('key_unknown'),
  },
  {
    name: 'RS256 token whose kid points at the EC key e1',
    id: 'RFC 8725 §3.1',
    verifier: 'rsEs',
    token: () => rs256({ alg: 'RS256', kid: 'e1', typ: 'at+jwt' }, claims()),
    expected: invalid('key_unknown'),
  },

  // ---- RFC 8725 §3.8, §3.9: issuer and audience
  {
    name: 'iss of another host',
    id: 'RFC 8725 §3.8, §3.9',
    token: () => signJwt(k1, claims({ iss: 'https://idp.evil.test/' })),
    echo: ['idp.evil.test'],
    expected: invalid('issuer'),
  },
  {
    name: 'iss without the trailing slash',
    id: 'RFC 8725 §3.8, §3.9',
    token: () => signJwt(k1, claims({ iss: fake.issuer.slice(0, -1) })),
    echo: ['127.0.0.1'],
    expected: invalid('issuer'),
  },
  {
    name: 'iss missing',
    id: 'RFC 8725 §3.8',
    token: () => signJwt(k1, claims({ iss: undefined })),
    expected: invalid('issuer'),
  },
  {
    name: 'foreign aud',
    id: 'RFC 8725 §3.9',
    token: () => signJwt(k1, claims({ aud: 'https://other.test' })),
    echo: ['other.test'],
    expected: invalid('audience'),
  },
  {
    name: 'prefix-matching aud https://api.test.evil',
    id: 'RFC 8725 §3.9',
    token: () => signJwt(k1, claims({ aud: 'https://api.test.evil' })),
    echo: ['api.test.evil'],
    expected: invalid('audience'),
  },
  {
    name: 'aud with a trailing slash https://api.test/',
    id: 'RFC 8725 §3.9',
    token: () => signJwt(k1, claims({ aud: `${API}/` })),
    expected: invalid('audience'),
  },
  {
    name: 'aud array containing ours → accepted',
    id: 'RFC 8725 §3.9',
    token: () => signJwt(k1, claims({ aud: ['https://other.test', API] })),
    expected: ok,
  },
  {
    name: 'aud array without ours',
    id: 'RFC 8725 §3.9',
    token: () => signJwt(k1, claims({ aud: ['https://other.test', 'https://api.test.evil'] })),
    expected: invalid('audience'),
  },
  {
    name: 'aud missing',
    id: 'RFC 8725 §3.9',
    token: () => signJwt(k1, claims({ aud: undefined })),
    expected: invalid('audience'),
  },

  // ---- RFC 7519 §4.1.4, §4.1.5: time and claim types
  {
    name: `expired: exp = now − (tolerance + 1)`,
    id: 'RFC 7519 §4.1.4',
    token: () => signJwt(k1, claims({ exp: NOW - (TOLERANCE + 1) })),
    expected: invalid('expired'),
  },
  {
    name: 'exp = now − tolerance (within tolerance) → accepted',
    id: 'RFC 7519 §4.1.4',
    token: () => signJwt(k1, claims({ exp: NOW - TOLERANCE })),
    expected: ok,
  },
  {
    name: 'nbf 10 minutes ahead',
    id: 'RFC 7519 §4.1.4',
    token: () => signJwt(k1, claims({ nbf: NOW + 600 })),
    expected: invalid('not_yet_valid'),
  },
  {
    name: 'nbf within the tolerance → accepted',
    id: 'RFC 7519 §4.1.4',
    token: () => signJwt(k1, claims({ nbf: NOW + TOLERANCE })),
    expected: ok,
  },
  {
    name: 'iat 10 minutes in the future',
    id: 'RFC 7519 §4.1.4',
    token: () => signJwt(k1, claims({ iat: NOW + 600 })),
    expected: invalid('not_yet_valid'),
  },
  {
    name: 'iat one second beyond the tolerance',
    id: 'RFC 7519 §4.1.6',
    token: () => signJwt(k1, claims({ iat: NOW + TOLERANCE + 1 })),
    expected: invalid('not_yet_valid'),
  },
  {
    name: 'iat at the edge of the tolerance → accepted',
    id: 'RFC 7519 §4.1.6',
    token: () => signJwt(k1, claims({ iat: NOW + TOLERANCE })),
    expected: ok,
  },
  {
    name: 'iat as a string',
    id: 'RFC 7519 §4.1.6',
    token: () => signJwt(k1, claims({ iat: String(NOW) })),
    expected: invalid('claims'),
  },
  {
    name: 'exp as a string',
    id: 'RFC 7519 §4.1.4',
    token: () => signJwt(k1, claims({ exp: '9999999999' })),
    expected: invalid('claims'),
  },
  {
    name: 'exp missing',
    id: 'RFC 7519 §4.1.4',
    token: () => signJwt(k1, claims({ exp: undefined })),
    expected: invalid('claims'),
  },
  {
    name: 'nbf as a string',
    id: 'RFC 7519 §4.1.4',
    token: () => signJwt(k1, claims({ nbf: String(NOW - 10) })),
    expected: invalid('claims'),
  },
  {
    name: 'sub missing',
    id: 'RFC 9068 §2.2',
    token: () => signJwt(k1, claims({ sub: undefined })),
    expected: invalid('claims'),
  },
  {
    name: 'scope that is not a string',
    id: 'RFC 9068 §2.2; RFC 6749 §3.3',
    token: () => signJwt(k1, claims({ scope: ['admin'] })),
    expected: invalid('claims'),
  },

  // ---- RFC 7515 §5.2: tampering
  {
    name: 'payload tampered (sub flipped to admin), signature kept',
    id: 'RFC 7515 §5.2',
    token: async () => {
      const [h, , s] = segments(await signJwt(k1, claims()));
      return `${h}.${b64url(claims({ sub: 'admin' }))}.${s}`;
    },
    expected: invalid('signature'),
  },
  {
    name: 'empty signature',
    id: 'RFC 7515 §5.2',
    token: async () =>
      `${segments(await signJwt(k1, claims()))
        .slice(0, 2)
        .join('.')}.`,
    expected: invalid('signature'),
  },
  {
    name: 'signature truncated by one character',
    id: 'RFC 7515 §5.2',
    token: async () => (await signJwt(k1, claims())).slice(0, -1),
    expected: invalid('signature'),
  },
  {
    name: 'signature of another token',
    id: 'RFC 7515 §5.2',
    token: async () => {
      const [h, p] = segments(await signJwt(k1, claims({ sub: 'admin' })));
      const [, , otherSignature] = segments(await signJwt(k1, claims({ sub: 'user-1' })));
      return `${h}.${p}.${otherSignature}`;
    },
    expected: invalid('signature'),
  },

  // ---- RFC 9068 §4, RFC 8725 §3.11: token types
  {
    name: 'ID token of the real tenant (no typ, aud = client id) presented as an access token',
    id: 'RFC 8725 §3.11; RFC 9068 §4',
    verifier: 'real',
    token: () => realIdToken,
    echo: ['spa-client-0001', 'alice'],
    expected: invalid('type'),
  },
  { name: 'typ at+jwt → accepted', id: 'RFC 9068 §4', token: () => signJwt(k1, claims()), expected: ok },
  {
    name: 'typ application/at+jwt → accepted',
    id: 'RFC 9068 §4',
    token: () => signJwt(k1, claims(), { typ: 'application/at+jwt' }),
    expected: ok,
  },
  {
    name: 'typ JWT in non-strict mode → accepted (Auth0 profile)',
    id: 'RFC 9068 §4; RFC 8725 §3.11',
    token: () => signJwt(k1, claims(), { typ: 'JWT' }),
    expected: ok,
  },
  {
    name: 'typ JWT in strict mode',
    id: 'RFC 9068 §4; RFC 8725 §3.11',
    verifier: 'strict',
    token: () => signJwt(k1, claims(), { typ: 'JWT' }),
    expected: invalid('type'),
  },
  {
    name: 'typ at+jwt in strict mode → accepted',
    id: 'RFC 9068 §4',
    verifier: 'strict',
    token: () => signJwt(k1, claims()),
    expected: ok,
  },
  {
    name: 'typ missing',
    id: 'RFC 9068 §4; RFC 8725 §3.11',
    token: () => rs256({ alg: 'RS256', kid: 'k1' }, claims()),
    expected: invalid('type'),
  },
  {
    name: 'typ logout+jwt',
    id: 'RFC 9068 §4; RFC 8725 §3.11',
    token: () => signJwt(k1, claims(), { typ: 'logout+jwt' }),
    echo: ['logout+jwt'],
    expected: invalid('type'),
  },
  ...['AT+JWT', 'Application/At+Jwt', 'jwt', 'application/JWT'].map(
    (typ): Case => ({
      name: `typ ${typ} → accepted (media types compare case-insensitively, application/ optional)`,
      id: 'RFC 7515 §4.1.9',
      token: () => signJwt(k1, claims(), { typ }),
      expected: ok,
    }),
  ),
  {
    name: 'typ application/jwt in strict mode',
    id: 'RFC 9068 §4',
    verifier: 'strict',
    token: () => signJwt(k1, claims(), { typ: 'application/jwt' }),
    expected: invalid('type'),
  },
  ...[{ typ: 'dpop+jwt' }, { typ: 'JWS' }, { typ: 'at+jwt; x=y' }, { typ: 1 }, { typ: ['at+jwt'] }, { typ: null }].map(
    (header): Case => ({
      name: `typ ${JSON.stringify(header.typ)}`,
      id: 'RFC 9068 §4',
      token: () => rs256({ alg: 'RS256', kid: 'k1', ...header }, claims()),
      expected: invalid('type'),
    }),
  ),
  {
    name: 'ID token with typ JWT (aud = client id, nonce) presented as an access token',
    id: 'RFC 8725 §3.11',
    token: () => signJwt(k1, claims({ aud: 'spa-1', nonce: 'n-0S6_WzA2Mj', scope: undefined }), { typ: 'JWT' }),
    expected: invalid('audience'),
  },

  // ---- RFC 7515 §4.1.11: crit and b64
  {
    name: 'validly signed with crit ["x-unknown"]',
    id: 'RFC 7515 §4.1.11',
    token: () => rs256({ ...HEADER, crit: ['x-unknown'], 'x-unknown': 1 }, claims()),
    echo: ['x-unknown'],
    expected: invalid('header'),
  },
  {
    name: 'validly signed with b64:false, crit ["b64"]',
    id: 'RFC 7515 §4.1.11',
    token: () => rs256({ ...HEADER, b64: false, crit: ['b64'] }, claims()),
    expected: invalid('header'),
  },

  // ---- RFC 7519 §7.2: format and size
  {
    name: 'JWE (5 segments, alg dir)',
    id: 'RFC 7519 §7.2',
    token: () =>
      `${b64url({ alg: 'dir', enc: 'A128GCM', kid: 'k1' })}..${b64url('iv')}.${b64url('ct')}.${b64url('tag')}`,
    expected: invalid('unsupported_format'),
  },
  {
    name: 'JSON serialization as the bearer value (not a b64token)',
    id: 'RFC 7519 §7.2',
    request: async () => {
      const [protectedHeader, payload, signature] = segments(await signJwt(k1, claims()));
      const json = JSON.stringify({ protected: protectedHeader, payload, signature });
      return new Request(`${API}/orders`, { headers: { authorization: `Bearer ${json}` } });
    },
    expected: BAD_REQUEST,
  },
  {
    name: 'validly signed token longer than 8192 characters',
    id: 'RFC 7519 §7.2',
    token: () => signJwt(k1, claims({ pad: 'x'.repeat(8_000) })),
    expected: invalid('too_large'),
  },
  {
    name: 'Bearer + 1 MB of dots',
    id: 'RFC 7519 §7.2',
    token: () => '.'.repeat(1 << 20),
    expected: invalid('too_large'),
  },
  {
    name: 'two segments only',
    id: 'RFC 7519 §7.2',
    token: async () =>
      segments(await signJwt(k1, claims()))
        .slice(0, 2)
        .join('.'),
    expected: invalid('malformed'),
  },
  {
    name: 'header segment that is not JSON',
    id: 'RFC 7519 §7.2',
    token: () => `${b64url('not json')}.${b64url(claims())}.${b64url('sig')}`,
    expected: invalid('malformed'),
  },
  {
    name: 'payload that is a JSON array',
    id: 'RFC 7519 §7.2',
    token: () => forge(HEADER, '[1,2,3]', (input) => rawSignature('RS256', k1.privateKey, input)),
    expected: invalid('malformed'),
  },

  // ---- RFC 6750 §2, §3: bearer semantics
  {
    name: 'no Authorization header',
    id: 'RFC 6750 §3.1',
    request: () => new Request(`${API}/orders`),
    expected: MISSING,
  },
  {
    name: 'token in the query only → ignored, 401 without error',
    id: 'RFC 6750 §2, §3.1',
    request: async () => new Request(`${API}/orders?access_token=${await signJwt(k1, claims())}`),
    expected: MISSING,
  },
  {
    name: 'token in the header and in the query → 400',
    id: 'RFC 6750 §2',
    request: async () => {
      const token = await signJwt(k1, claims());
      return new Request(`${API}/orders?access_token=${token}`, { headers: { authorization: `Bearer ${token}` } });
    },
    expected: BAD_REQUEST,
  },
  {
    name: 'Authorization: Basic → 401 without error',
    id: 'RFC 6750 §3.1',
    request: () =>
      new Request(`${API}/orders`, { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } }),
    expected: MISSING,
  },
  {
    name: 'lowercase "bearer" scheme → accepted',
    id: 'RFC 6750 §2',
    request: async () =>
      new Request(`${API}/orders`, { headers: { authorization: `bearer ${await signJwt(k1, claims())}` } }),
    expected: ok,
  },
  {
    name: 'two Authorization values → 400',
    id: 'RFC 6750 §2',
    request: async () => {
      const headers = new Headers();
      headers.append('authorization', `Bearer ${await signJwt(k1, claims())}`);
      headers.append('authorization', `Bearer ${await signJwt(k1, claims({ sub: 'admin' }))}`);
      return new Request(`${API}/orders`, { headers });
    },
    expected: BAD_REQUEST,
  },
  {
    name: '"Bearer" without a token → 400',
    id: 'RFC 6750 §3.1',
    request: () => new Request(`${API}/orders`, { headers: { authorization: 'Bearer' } }),
    expected: BAD_REQUEST,
  },
  {
    name: 'Bearer followed by 10 000 spaces and x',
    id: 'RFC 6750 §2.1',
    request: () => new Request(`${API}/orders`, { headers: { authorization: `Bearer ${' '.repeat(10_000)}x` } }),
    expected: invalid('malformed'),
  },
];

/** error_description may carry only %x20-21 / %x23-5B / %x5D-7E (RFC 6750 §3). */
const WWW_AUTHENTICATE =
  /^Bearer realm="api"(?:, error="(invalid_token|invalid_request)", error_description="([\x20\x21\x23-\x5b\x5d-\x7e]*)")?$/;

/** Every string value (≥ 6 characters) of a token's header and payload: attacker input. */
function tokenStrings(token: string): string[] {
  const values: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === 'string' && value.length >= 6 && value !== 'at+jwt') values.push(value);
    else if (value && typeof value === 'object') for (const v of Object.values(value)) walk(v);
  };
  for (const part of token.split('.').slice(0, 2)) {
    try {
      walk(JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
    } catch {
      // not JSON: nothing to collect
    }
  }
  return values;
}

async function requestFor(c: Case): Promise<Request> {
  if (c.request) return c.request();
  if (!c.token) throw new Error(`case ${c.name} has neither token nor request`);
  return bearer(await c.token());
}

beforeAll(async () => {
  const jwks = { keys: [k1.jwk, e1.jwk, weak.jwk] };
  fake = await FakeTenant.start(jwks);
  canary = await Canary.start({ keys: [attacker.jwk, attackerPkcs1Jwk] });
  realTenant = await startRealTenant();
  realM2mToken = await m2mToken(realTenant);
  realIdToken = (await aliceTokens(realTenant)).idToken;

  const base: VerifierOptions = { issuerBaseURL: fake.url, audience: API };
  verifiers.default = createVerifier(base, clocks.internals);
  verifiers.rsEs = createVerifier({ ...base, tokenSigningAlg: ['RS256', 'ES256'] }, clocks.internals);
  verifiers.es256 = createVerifier({ ...base, tokenSigningAlg: 'ES256' }, clocks.internals);
  verifiers.strict = createVerifier({ ...base, strict: true }, clocks.internals);
  // The real tenant signs with the real clock: only the key cache clock is injected.
  verifiers.real = createVerifier(
    { issuerBaseURL: realTenant.issuer, audience: CATALOG },
    { keyClock: clocks.internals.keyClock },
  );

  // Warm every verifier once: from here on, nothing in this file may cause a fetch.
  await verifiers.default.verify(await signJwt(k1, claims()));
  await verifiers.rsEs.verify(await signJwt(k1, claims()));
  await verifiers.es256.verify(es256({ alg: 'ES256', kid: 'e1', typ: 'at+jwt' }, claims()));
  await verifiers.strict.verify(await signJwt(k1, claims()));
  await verifiers.real.verify(realM2mToken);
  expect(fake.counts).toEqual({ discovery: 4, jwks: 4, other: 0 });
}, 60_000);

afterAll(async () => {
  await fake?.close();
  await canary?.close();
  await realTenant?.close();
});

describe('adversarial tokens and requests through authenticate()', () => {
  it.each(cases)('$name [$id]', async (c) => {
    const verifier = verifiers[c.verifier ?? 'default'];
    const request = await requestFor(c);
    const before = { fake: fake.total, canary: canary.hits, stats: verifier.stats.jwksFetches };

    let result: AuthResult | undefined;
    let error: unknown;
    try {
      result = await verifier.authenticate(request);
    } catch (caught) {
      error = caught;
    }

    // Nothing fetched: not the tenant (the verifier is warm and its clock still), never a token URL.
    expect({ fake: fake.total, canary: canary.hits, stats: verifier.stats.jwksFetches }).toEqual(before);

    if (c.expected.status === 200) {
      expect(error).toBeUndefined();
      expect(result?.subject).toBeTypeOf('string');
      return;
    }
    expect(result).toBeUndefined();
    expect(error).toBeInstanceOf(BearerError);
    const e = error as BearerError;
    expect({ status: e.status, code: e.code, reason: e.reason }).toEqual({
      status: c.expected.status,
      code: c.expected.code,
      reason: c.expected.reason,
    });

    const header = e.headers('api')['WWW-Authenticate'] ?? '';
    const match = WWW_AUTHENTICATE.exec(header);
    expect(match, header).not.toBeNull();
    const oauthError = { ERR_TOKEN_INVALID: 'invalid_token', ERR_REQUEST_INVALID: 'invalid_request' }[e.code as string];
    expect(match?.[1]).toBe(oauthError);
    if (oauthError) {
      expect(match?.[2]).toBe(e.description);
      expect(e.body()).toEqual({ error: oauthError, error_description: e.description });
    } else {
      expect(e.body()).toEqual({});
    }
    expect(e.description).not.toMatch(/["\\\r\n]/);

    // Never echo attacker input: neither the listed strings nor any string value of the token.
    const token = request.headers.get('authorization')?.replace(/^bearer +/i, '') ?? '';
    for (const text of [...(c.echo ?? []), ...tokenStrings(token)]) {
      expect(header).not.toContain(text);
      expect(e.message).not.toContain(text);
    }
  });

  it('the canary was never contacted by any case', () => {
    expect(canary.hits).toBe(0);
    expect(canary.paths).toEqual([]);
  });

  it('a JSON-serialized JWS given to verify() directly is refused as an unsupported format', async () => {
    const [protectedHeader, payload, signature] = segments(await signJwt(k1, claims()));
    const json = JSON.stringify({ protected: protectedHeader, payload, signature });
    await expect(verifiers.default.verify(json)).rejects.toMatchObject({
      code: 'ERR_TOKEN_INVALID',
      reason: 'unsupported_format',
    });
  });

  it('1 MB of dots and a 1 MB header segment are refused by the size cap, before any decoding', async () => {
    const dots = bearer('.'.repeat(1 << 20));
    const bigHeader = bearer(`${'e'.repeat(1 << 20)}.${b64url(claims())}.${b64url('sig')}`);
    for (const request of [dots, bigHeader]) {
      const error = await verifiers.default.authenticate(request).catch((e: unknown) => e);
      // `too_large` is decided on the length alone: no split, no base64 or JSON work on the input.
      expect(error).toMatchObject({ code: 'ERR_TOKEN_INVALID', reason: 'too_large' });
    }
  });

  it('the real ID token has no typ and aud = the SPA client id; the strict verifier refuses it too', async () => {
    // What the table case relies on: refused on typ first, and its aud would not name this API either.
    const [h, p] = segments(realIdToken)
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
    expect(h.typ).toBeUndefined();
    expect(p.aud).toBe('spa-client-0001');
    const strict = createVerifier(
      { issuerBaseURL: realTenant.issuer, audience: CATALOG, strict: true },
      { keyClock: clocks.internals.keyClock },
    );
    await expect(strict.verify(realIdToken)).rejects.toMatchObject({ status: 401, reason: 'type' });
  });
});
