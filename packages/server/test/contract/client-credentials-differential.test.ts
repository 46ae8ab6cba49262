import { request } from 'node:http';
import { fixtureConfig } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, TenantConfig } from '../../src/config/types.ts';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import { clientCredentialsFastPathAnswers } from '../../src/http/client-credentials-fast-path.ts';
import { createJsonLogger } from '../../src/observability/logger.ts';
import { TenantMetrics } from '../../src/observability/metrics.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import { generateSigningKey } from '../../src/tenant/keys.ts';
import { managementApiIdentifier } from '../../src/tenant/management-api.ts';
import { CATALOG, decodeJwt, ORDERS, ORDERS_API } from '../security/helpers.ts';

/*
 * Differential test of the client-credentials fast path (issue 15): two tenants from one configuration, one
 * signing key and one issuer, the fast path on in one and off in the other, receive the same few hundred
 * generated token requests (valid ones with every authentication method, audiences explicit and default,
 * scopes; every refusal; odd encodings). Status, headers (all but Date, in order) and bodies must be equal;
 * tokens are compared by header and claims (all but iat, exp and jti, with the same lifetime). The metrics and
 * access lines of both must be equal too. The seed is printed with any difference (DIFFERENTIAL_SEED reruns one).
 */

const SEED = Number(process.env.DIFFERENTIAL_SEED ?? 0x15_0fa57) >>> 0;
const REQUESTS = 320;
// https: the edge then adds HSTS, which the fast path must write too (a plain-http listener is enough for that).
const ISSUER = 'https://authmesh.differential.test/';
const REPORTS = 'urn:reports';
const INVENTORY = { clientId: 'inventory-m2m-0001', clientSecret: 'inventory-secret-0123456789abcdef0123456789ab' };
/** A client registered for client_secret_basic, with a secret that needs form-urlencoding in Basic. */
const REPORTING = { clientId: 'reporting-m2m-0001', clientSecret: 'rep+secret:with%25chars/0123456789abcdefABCDEF' };
const BACKOFFICE = { clientId: 'backoffice-0001', clientSecret: 'backoffice-secret-0123456789abcdef0123456789ab' };
const SPA_ID = 'spa-client-0001';
const OPS_ORIGIN = 'https://ops.example.test';

function differentialConfig(): TenantConfig {
  const base = fixtureConfig();
  const template = base.clients.find((c) => c.name === 'Orders Service') as Client;
  return fixtureConfig({
    tenant: { ...base.tenant, default_audience: CATALOG },
    resourceServers: [
      ...base.resourceServers,
      {
        name: 'Reports API',
        identifier: REPORTS,
        scopes: [{ value: 'read:reports' }, { value: 'export:reports' }, { value: 'delete:reports' }],
        token_lifetime: 600,
        enforce_policies: true,
        token_dialect: 'rfc9068_profile_authz',
        allow_offline_access: false,
        signing_alg: 'RS256',
        skip_consent_for_verifiable_first_party_clients: true,
        is_system: false,
      },
    ],
    clients: [
      ...base.clients.map((c) =>
        c.name === 'Inventory Service'
          ? { ...c, client_id: INVENTORY.clientId, client_secret: INVENTORY.clientSecret }
          : c,
      ),
      {
        ...template,
        name: 'Reporting Service',
        client_id: REPORTING.clientId,
        client_secret: REPORTING.clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        allowed_origins: [OPS_ORIGIN],
      },
    ],
    clientGrants: [
      ...base.clientGrants,
      { client_id: 'Orders Service', audience: ORDERS_API, scope: ['read:orders', 'create:orders'] },
      { client_id: 'Reporting Service', audience: REPORTS, scope: ['read:reports', 'export:reports'] },
      { client_id: 'Reporting Service', audience: CATALOG, scope: ['read:catalog'] },
    ],
  });
}

/** mulberry32: a small seeded PRNG, so that a failing sequence can be replayed. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface RawRequest {
  /** What the generator chose, for the failure message. */
  label: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

interface RawReply {
  status: number;
  headers: [string, string][];
  body: string;
}

const SCOPES: Record<string, string[]> = {
  [CATALOG]: ['read:catalog', 'write:catalog', 'adjust:stock'],
  [ORDERS_API]: ['read:orders', 'create:orders'],
  [REPORTS]: ['read:reports', 'export:reports', 'delete:reports'],
};

/** The grants of the configuration: which audiences (none: the default audience) each client may ask for. */
const GRANTED: [{ clientId: string; clientSecret: string }, (string | undefined)[]][] = [
  [ORDERS, [CATALOG, ORDERS_API, undefined]],
  [INVENTORY, [CATALOG, undefined]],
  [REPORTING, [REPORTS, CATALOG, undefined]],
];
const GRANT_SCOPES: Record<string, Record<string, string[]>> = {
  [ORDERS.clientId]: { [CATALOG]: ['read:catalog'], [ORDERS_API]: ['read:orders', 'create:orders'] },
  [INVENTORY.clientId]: { [CATALOG]: ['adjust:stock', 'read:catalog'] },
  [REPORTING.clientId]: { [REPORTS]: ['read:reports', 'export:reports'], [CATALOG]: ['read:catalog'] },
};

/** One generated token request: about half of them valid ones in every form, the rest anything at all. */
function generate(random: () => number, index: number): RawRequest {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number) => random() < p;
  if (chance(0.45)) return generateValid(random, pick, chance, index);
  const label: string[] = [];
  const note = (text: string) => label.push(text);

  const client = pick([
    ORDERS,
    ORDERS,
    INVENTORY,
    REPORTING,
    REPORTING,
    BACKOFFICE,
    { clientId: SPA_ID, clientSecret: '' },
  ]);
  note(client.clientId);
  const params: [string, string][] = [];
  const grantType = chance(0.92) ? 'client_credentials' : pick(['', 'password', 'CLIENT_CREDENTIALS', 'refresh_token']);
  if (grantType !== '' || chance(0.5)) params.push(['grant_type', grantType]);
  note(`grant_type=${grantType}`);

  const audience = pick([
    CATALOG,
    CATALOG,
    ORDERS_API,
    REPORTS,
    'default',
    'default',
    'unknown',
    'empty',
    'resource',
    'twice',
    'management',
  ]);
  note(`audience:${audience}`);
  const apiScopes = SCOPES[audience === 'default' ? CATALOG : audience] ?? SCOPES[CATALOG] ?? [];
  switch (audience) {
    case 'default':
      break;
    case 'unknown':
      params.push(['audience', 'https://unknown.example.test']);
      break;
    case 'empty':
      params.push(['audience', '']);
      break;
    case 'resource':
      params.push(['resource', CATALOG]);
      break;
    case 'twice':
      params.push(['audience', CATALOG], ['audience', ORDERS_API]);
      break;
    case 'management':
      params.push(['audience', managementApiIdentifier(ISSUER)]);
      break;
    default:
      params.push(['audience', audience]);
  }

  const scopeKind = pick([
    'none',
    'none',
    'subset',
    'subset',
    'all',
    'duplicate',
    'unknown',
    'empty',
    'openid',
    'spaces',
  ]);
  note(`scope:${scopeKind}`);
  const subset = apiScopes.filter(() => chance(0.5));
  const scope = {
    none: undefined,
    subset: (subset.length > 0 ? subset : apiScopes.slice(0, 1)).join(' '),
    all: [...apiScopes].reverse().join(' '),
    duplicate: `${apiScopes[0]} ${apiScopes[0]}`,
    unknown: `${apiScopes[0]} delete:everything`,
    empty: '',
    openid: `openid ${apiScopes[0]}`,
    spaces: pick([` ${apiScopes[0]}`, `${apiScopes[0]}  ${apiScopes[1]}`, `${apiScopes[0]}\t${apiScopes[1]}`]),
  }[scopeKind];
  if (scope !== undefined) params.push(['scope', scope]);

  const headers: Record<string, string> = {};
  const auth = pick([
    'post',
    'post',
    'post',
    'basic',
    'basic',
    'both',
    'mismatch',
    'no-secret',
    'wrong',
    'wrong-basic',
    'basic-raw',
    'basic-upper',
    'basic-bad',
    'basic-no-colon',
  ]);
  note(`auth:${auth}`);
  const basic = (id: string, secret: string, scheme = 'Basic', encode = true) => {
    const enc = (s: string) => (encode ? encodeURIComponent(s).replace(/%20/g, '+') : s);
    headers.authorization = `${scheme} ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
  };
  switch (auth) {
    case 'post':
      params.push(['client_id', client.clientId], ['client_secret', client.clientSecret]);
      break;
    case 'basic':
      basic(client.clientId, client.clientSecret);
      if (chance(0.3)) params.push(['client_id', client.clientId]);
      break;
    case 'both':
      basic(client.clientId, client.clientSecret);
      params.push(['client_secret', client.clientSecret]);
      break;
    case 'mismatch':
      basic(client.clientId, client.clientSecret);
      params.push(['client_id', ORDERS.clientId === client.clientId ? INVENTORY.clientId : ORDERS.clientId]);
      break;
    case 'no-secret':
      params.push(['client_id', client.clientId]);
      break;
    case 'wrong':
      params.push(['client_id', client.clientId], ['client_secret', `${client.clientSecret}x`]);
      break;
    case 'wrong-basic':
      basic(client.clientId, 'not-the-secret');
      break;
    case 'basic-raw':
      basic(client.clientId, client.clientSecret, 'Basic', false);
      break;
    case 'basic-upper':
      basic(client.clientId, client.clientSecret, pick(['BASIC', 'basic']));
      break;
    case 'basic-bad':
      headers.authorization = pick([
        'Basic not*base64',
        'Basic',
        `Basic ${Buffer.from(client.clientId).toString('base64')}=`,
        'Bearer abc',
      ]);
      break;
    case 'basic-no-colon':
      headers.authorization = `Basic ${Buffer.from(client.clientId).toString('base64')}`;
      break;
  }

  if (chance(0.05)) {
    params.push(['foo', 'bar']);
    note('extra param');
  }
  if (chance(0.04)) {
    params.push(['grant_type', 'client_credentials']);
    note('grant_type twice');
  }
  if (chance(0.03)) {
    params.push(['client_id', 'x'.repeat(pick([300, 5_000]))]);
    note('long client_id');
  }
  for (let i = params.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [params[i], params[j]] = [params[j] as [string, string], params[i] as [string, string]];
  }

  const encoding = pick([
    'form',
    'form',
    'form',
    'form-%20',
    'form-odd',
    'form-odd',
    'json',
    'json',
    'json-array',
    'charset',
    'text',
    'empty',
    'upper-type',
  ]);
  note(`body:${encoding}`);
  let body: string;
  let type = 'application/x-www-form-urlencoded';
  if (encoding === 'json' || encoding === 'json-array') {
    type = 'application/json';
    const object: Record<string, unknown> = {};
    for (const [key, value] of params) object[key] = value;
    if (encoding === 'json-array' && typeof object.scope === 'string') object.scope = object.scope.split(' ');
    body = JSON.stringify(object);
  } else if (encoding === 'form-%20') {
    body = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  } else {
    body = new URLSearchParams(params).toString();
  }
  if (encoding === 'form-odd') {
    // Escapes the two urlencoded parsers could read differently: a lone %, non-hex, bytes that are not UTF-8.
    body += pick(['%zz', '%FF', '%C3%28', '%', '%2', '+%2B+', '%E2%82%AC']);
  }
  if (encoding === 'charset') type += '; charset=utf-8';
  if (encoding === 'text') type = 'text/plain';
  if (encoding === 'upper-type') type = 'Application/X-WWW-Form-Urlencoded';
  if (encoding === 'empty') body = '';
  headers['content-type'] = type;

  const origin = pick(['', '', '', '', OPS_ORIGIN, 'https://evil.example.test']);
  if (origin) {
    headers.origin = origin;
    note(`origin:${origin}`);
  }
  // Each request from one of a few dozen client addresses (a trusted proxy's X-Forwarded-For): the client-secret
  // throttle counts per (client, IP), and the failures spread over the pairs as they would in real traffic.
  headers['x-forwarded-for'] = `10.15.0.${1 + Math.floor(random() * 40)}`;
  headers['x-request-id'] = `differential-${index}`;
  return {
    label: label.join(' '),
    path: chance(0.02) ? '/oauth/token?x=1' : '/oauth/token',
    headers,
    body: Buffer.from(body),
  };
}

/** A request that should get a token: a granted audience (or the default), granted scopes, a right secret. */
function generateValid(
  random: () => number,
  pick: <T>(items: readonly T[]) => T,
  chance: (p: number) => boolean,
  index: number,
): RawRequest {
  const [client, audiences] = pick(GRANTED);
  const audience = pick(audiences);
  const granted = GRANT_SCOPES[client.clientId]?.[audience ?? CATALOG] ?? [];
  const subset = granted.filter(() => chance(0.5));
  const scope = pick([
    undefined,
    subset.join(' ') || undefined,
    [...granted].reverse().join(' '),
    `${granted[0]} ${granted[0]}`,
  ]);
  const params: [string, string][] = [['grant_type', 'client_credentials']];
  if (audience !== undefined) params.push(['audience', audience]);
  if (scope !== undefined) params.push(['scope', scope]);
  const headers: Record<string, string> = {};
  const basic = chance(0.4);
  if (basic) {
    const enc = (text: string) => encodeURIComponent(text).replace(/%20/g, '+');
    const scheme = pick(['Basic', 'Basic', 'basic', 'BASIC']);
    headers.authorization = `${scheme} ${Buffer.from(`${enc(client.clientId)}:${enc(client.clientSecret)}`).toString('base64')}`;
    if (chance(0.3)) params.push(['client_id', client.clientId]);
  } else {
    params.push(['client_id', client.clientId], ['client_secret', client.clientSecret]);
  }
  for (let i = params.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [params[i], params[j]] = [params[j] as [string, string], params[i] as [string, string]];
  }
  const encoding = pick(['form', 'form-%20', 'json', 'json-array', 'charset']);
  let body: string;
  if (encoding === 'json' || encoding === 'json-array') {
    const object: Record<string, unknown> = Object.fromEntries(params);
    if (encoding === 'json-array' && typeof object.scope === 'string') object.scope = object.scope.split(' ');
    body = JSON.stringify(object);
    headers['content-type'] = 'application/json';
  } else {
    body =
      encoding === 'form-%20'
        ? params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')
        : new URLSearchParams(params).toString();
    headers['content-type'] = `application/x-www-form-urlencoded${encoding === 'charset' ? '; charset=utf-8' : ''}`;
  }
  if (client === REPORTING && chance(0.3)) headers.origin = OPS_ORIGIN;
  headers['x-forwarded-for'] = `10.15.1.${1 + Math.floor(random() * 40)}`;
  headers['x-request-id'] = `differential-${index}`;
  const label = `valid ${client.clientId} audience:${audience ?? 'default'} scope:${scope ?? 'none'} ${basic ? 'basic' : 'post'} ${encoding}`;
  return { label, path: '/oauth/token', headers, body: Buffer.from(body) };
}

/** The request as bytes on a fresh connection, and the answer as it came (raw header names and order). */
function send(tenant: Tenant, raw: RawRequest): Promise<RawReply> {
  const { port } = new URL(tenant.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: raw.path,
        headers: { ...raw.headers, 'content-length': String(raw.body.length) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const headers: [string, string][] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            headers.push([res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string]);
          }
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(raw.body);
  });
}

/** What must be equal between the two answers: tokens by header and claims, Date left out. */
function comparable(reply: RawReply) {
  const headers = reply.headers.filter(([name]) => name.toLowerCase() !== 'date');
  let body: unknown = reply.body;
  try {
    const json = JSON.parse(reply.body) as Record<string, unknown>;
    if (typeof json.access_token === 'string') {
      const { header, payload } = decodeJwt(json.access_token);
      const { iat, exp, jti, ...claims } = payload;
      body = {
        ...json,
        access_token: { header, claims, lifetime: Number(exp) - Number(iat), jti: typeof jti },
      };
    }
  } catch {
    // not JSON: compared as text
  }
  return { status: reply.status, headers, body };
}

interface Side {
  storage: Storage;
  tenant: Tenant;
  metrics: TenantMetrics;
  accessLines: Record<string, unknown>[];
}

async function startSide(fastPath: boolean, jwk: ReturnType<typeof generateSigningKey>): Promise<Side> {
  const storage = openSqliteStorage({ path: ':memory:' });
  // One key for both tenants ('keys:signing' is where the first signing key lives, tenant/keys.ts).
  await storage.setStateIfAbsent('keys:signing', [jwk]);
  const metrics = new TenantMetrics();
  const accessLines: Record<string, unknown>[] = [];
  const logger = createJsonLogger({
    destination: {
      write: (line: string) => {
        const { time: _time, duration_ms: _duration, ...rest } = JSON.parse(line) as Record<string, unknown>;
        accessLines.push(rest);
      },
    },
  });
  const tenant = await createTenant({
    config: differentialConfig(),
    port: 0,
    issuer: ISSUER,
    storage,
    trustProxy: ['127.0.0.1'],
    clientCredentialsFastPath: fastPath,
    observe: { logger, metrics },
  });
  return { storage, tenant, metrics, accessLines };
}

/** The counters of a metrics text (histogram sums and buckets hold durations, which differ). */
async function counters(metrics: TenantMetrics): Promise<string[]> {
  const text = (await metrics.render()).body;
  return text
    .split('\n')
    .filter((line) =>
      /^authmesh_(tokens_issued_total|token_refusals_total|http_request_duration_seconds_count)\{/.test(line),
    )
    .sort();
}

let fast: Side;
let engine: Side;

beforeAll(async () => {
  const jwk = generateSigningKey();
  [fast, engine] = await Promise.all([startSide(true, jwk), startSide(false, jwk)]);
});
afterAll(async () => {
  for (const side of [fast, engine]) {
    await side?.tenant.close();
    await side?.storage.close();
  }
});

describe(`client credentials, fast path on and off: the same answers (seed ${SEED})`, () => {
  it(`${REQUESTS} generated requests, then a blocked client: equal status, headers, bodies, metrics and access lines`, async () => {
    const random = prng(SEED);
    const requests = Array.from({ length: REQUESTS }, (_, i) => generate(random, i));
    // The throttle's block, from one address: 20 wrong secrets, then the right one is refused too.
    for (let i = 0; i < 21; i++) {
      const secret = i < 20 ? 'wrong-secret' : ORDERS.clientSecret;
      requests.push({
        label: `blocked pair, attempt ${i + 1}`,
        path: '/oauth/token',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-for': '10.15.9.9',
          'x-request-id': `blocked-${i}`,
        },
        body: Buffer.from(
          new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: ORDERS.clientId,
            client_secret: secret,
          }).toString(),
        ),
      });
    }

    let answeredFast = 0;
    let fastAnswersWithHsts = 0;
    const statuses = new Map<number, number>();
    for (const [index, raw] of requests.entries()) {
      const before = clientCredentialsFastPathAnswers();
      const fastReply = await send(fast.tenant, raw);
      const between = clientCredentialsFastPathAnswers();
      const engineReply = await send(engine.tenant, raw);
      const context = `seed ${SEED}, request ${index}: ${raw.label}\n${raw.body.toString('utf8').slice(0, 300)}`;
      expect(
        clientCredentialsFastPathAnswers() - between,
        `the engine-only tenant used the fast path; ${context}`,
      ).toBe(0);
      answeredFast += between - before;
      statuses.set(fastReply.status, (statuses.get(fastReply.status) ?? 0) + 1);
      if (between - before === 1 && fastReply.headers.some(([name]) => name === 'Strict-Transport-Security')) {
        fastAnswersWithHsts++;
      }
      const a = comparable(fastReply);
      const b = comparable(engineReply);
      // A block's Retry-After counts down in whole seconds: the second answer may come a second later.
      const retryA = a.headers.find(([name]) => name === 'Retry-After');
      const retryB = b.headers.find(([name]) => name === 'Retry-After');
      if (retryA && retryB) {
        expect(Math.abs(Number(retryA[1]) - Number(retryB[1])), context).toBeLessThanOrEqual(1);
        retryB[1] = retryA[1];
      }
      expect(a, context).toEqual(b);
    }

    // The run must have exercised both: many tokens from the fast path, and many refusals.
    expect(answeredFast, `seed ${SEED}: statuses ${JSON.stringify([...statuses])}`).toBeGreaterThanOrEqual(100);
    expect(fastAnswersWithHsts, 'an https issuer: HSTS on every fast-path answer').toBe(answeredFast);
    expect(statuses.get(429), `seed ${SEED}`).toBeGreaterThanOrEqual(1);
    expect([...statuses.keys()].filter((s) => s >= 400).length, `seed ${SEED}`).toBeGreaterThanOrEqual(4);
    expect(await counters(fast.metrics)).toEqual(await counters(engine.metrics));
    expect(fast.accessLines).toEqual(engine.accessLines);
  });
});
