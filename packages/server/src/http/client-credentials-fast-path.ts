import { randomBytes, sign, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { base64url } from 'jose';
import { accessTokenType, shapeMachineClaims } from '../engine/access-token.ts';
import { originAllowedForClient } from '../engine/client-cors.ts';
import { ROUTES } from '../engine/routes.ts';
import type { TenantMetrics } from '../observability/metrics.ts';
import type { RequestRecorder } from '../observability/request-observer.ts';
import type { TenantContext } from '../tenant/context.ts';
import type { ClientGrantRecord, ClientRecord, ResourceServerRecord } from '../tenant/records.ts';
import type { SigningKeyRing } from '../tenant/signing-key-ring.ts';
import { tokenActivity } from '../tenant/token-activity.ts';
import { jsonToParams } from './auth0-requests.ts';
import { readBodyOnce } from './body.ts';
import type { ClientIpResolver } from './client-ip.ts';
import { DEV_HSTS } from './edge.ts';
import type { FailureThrottle } from './failure-throttle.ts';
import { EVERY_RESPONSE_HEADERS } from './security-headers.ts';

/*
 * The client-credentials fast path (issue 15; docs/engine.md, "The client-credentials fast path").
 *
 * A machine-to-machine token costs the engine route far more CPU than its RSA signature: Koa, the engine's
 * middleware stack and its token model. This handler sits in front of Koa, on the HTTP server's request event,
 * and answers only the requests it fully understands and that would succeed: `grant_type=client_credentials`
 * from a confidential client authenticating with `client_secret_post` or `client_secret_basic`, for an API it
 * holds a client grant on, with scopes inside that grant, no credentials-exchange Action bound. Every other
 * request, and every request that would be refused, goes to the engine untouched (a body read here is handed
 * on, see http/body.ts), so every refusal is the engine's own, byte for byte, and counts in the client-secret
 * throttle as it always did. What it answers is what the engine would have answered: the same claims (one
 * builder, engine/access-token.ts), the same headers in the same order, the same metrics, access line and
 * activity event. `AUTHMESH_CLIENT_CREDENTIALS_FAST_PATH=off` or `clientCredentialsFastPath: false` turns it off.
 */

/** A request listener of node:http. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface ClientCredentialsFastPathOptions {
  tenant: TenantContext;
  /** The key ring: the current key signs, at the moment of signing (rotation). */
  signing: SigningKeyRing;
  /** The client-secret throttle the token endpoint's guard uses: the same counts, the same verdicts. */
  throttle: FailureThrottle;
  /** The edge's client-IP resolver (the throttle keys on the IP). */
  clientIp: ClientIpResolver;
  /**
   * Whether the engine loads this client (oidc-provider validates client metadata when it loads a client):
   * a client it would refuse is left to it. Asked once per client record.
   */
  engineLoadsClient: (clientId: string) => Promise<boolean>;
  /** The observed tenant's request recorder (request id, latency, access line), as the Koa chain uses it. */
  recorder?: RequestRecorder;
  /** Where `tokenIssued` is counted, as the engine's `grant.success` counts it. */
  metrics?: TenantMetrics;
}

/** A token request's body is small; anything larger (or of unknown length) goes to the engine unread. */
const MAX_FAST_BODY_BYTES = 4_096;
/** A client id longer than this is cut by the client-secret guard before counting; such ids are left to it. */
const MAX_CLIENT_ID_CHARS = 256;
/** The parameters a client-credentials request is made of; any other goes to the engine. */
const KNOWN_PARAMS = new Set(['grant_type', 'client_id', 'client_secret', 'audience', 'scope']);
/** oidc-provider 9.13.3 `lib/helpers/is_valid_scope.js`: a scope it would refuse is left to it. */
const SCOPE_SYNTAX = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/u;
/** The engine's static scopes: a client's `scope` metadata may restrict them (validateClientScope). */
const ENGINE_STATIC_SCOPES = new Set(['openid', 'offline_access', 'profile', 'email']);
/** oidc-provider's `noVSCHAR`: Basic credentials outside %x20-7E are refused by the engine. */
const NOT_VSCHAR = /[^\x20-\x7E]/u;
/** Templates kept per grant (one per distinct `scope` parameter); a client spraying scopes cannot grow it. */
const MAX_TEMPLATES_PER_GRANT = 32;
/** `constantEquals(a, b, 1000)` of oidc-provider: secrets are compared padded to at least this many bytes. */
const SECRET_COMPARE_BYTES = 1_000;

let answeredHere = 0;

/**
 * How many requests the fast path answered in this process: the internal hook tests use to tell that it
 * (or, with it off, the engine) issued a token. Not part of the package's API.
 */
export function clientCredentialsFastPathAnswers(): number {
  return answeredHere;
}

/** What a request asks for, once it is known to be a plain client-credentials request. */
interface TokenAsk {
  clientId: string;
  secret: string;
  audience: string | undefined;
  scope: string | undefined;
}

/** The parts of a token that are the same for every token of one (client, API, grant, scope). */
interface Template {
  client: ClientRecord;
  api: ResourceServerRecord;
  /**
   * The payload's JSON for a token issued at `iat`: what `JSON.stringify` makes of the claims in the engine's
   * member order, with `iat`, `exp` (and `jti` in the RFC 9068 dialect) filled in. Serialised once per
   * template, member by member, rather than once per token.
   */
  payload: (iat: number) => string;
  typ: 'at+jwt' | 'JWT';
  scope: string;
  /** `scope` as a JSON string (the response body is written around it). */
  scopeJson: string;
  lifetime: number;
}

/**
 * Returns a function that puts the fast path in front of a node:http request listener (the engine's
 * `provider.callback()`): a request it does not answer reaches `engine` as if the fast path did not exist.
 */
export function createClientCredentialsFastPath(
  options: ClientCredentialsFastPathOptions,
): (engine: RequestListener) => RequestListener {
  const { tenant, signing, throttle, clientIp, recorder, metrics } = options;
  const hsts = new URL(tenant.issuer).protocol === 'https:';
  const templates = new WeakMap<ClientGrantRecord, Map<string, Template>>();
  const encodedHeaders = new Map<string, string>();
  const loadable = new WeakMap<ClientRecord, Promise<boolean> | boolean>();

  /** The engine's verdict on the client: a boolean once known (no promise per token), a promise the first time. */
  const engineLoads = (client: ClientRecord): Promise<boolean> | boolean => {
    let known = loadable.get(client);
    if (known === undefined) {
      known = options.engineLoadsClient(client.client_id).then(
        (loads) => {
          loadable.set(client, loads);
          return loads;
        },
        () => false,
      );
      loadable.set(client, known);
    }
    return known;
  };

  const templateFor = (client: ClientRecord, api: ResourceServerRecord, grant: ClientGrantRecord, asked: string) => {
    let byScope = templates.get(grant);
    if (byScope === undefined) {
      byScope = new Map();
      templates.set(grant, byScope);
    }
    const cached = byScope.get(asked);
    // Records are replaced, never changed, when the registry reloads: the same records mean the same token.
    if (cached !== undefined && cached.client === client && cached.api === api) return cached;
    const template = buildTemplate(tenant.issuer, client, api, grant, asked);
    if (template === undefined) return undefined;
    if (byScope.size >= MAX_TEMPLATES_PER_GRANT) byScope.clear();
    byScope.set(asked, template);
    return template;
  };

  const encodedHeader = (typ: string, kid: string): string => {
    const key = `${typ} ${kid}`;
    let encoded = encodedHeaders.get(key);
    if (encoded === undefined) {
      // The engine's header, in its member order (oidc-provider `lib/helpers/jwt.js`).
      encoded = base64url.encode(JSON.stringify({ alg: 'RS256', typ, kid }));
      // Keys change rarely; a header of a key no longer current is dropped along with the rest.
      if (encodedHeaders.size >= 16) encodedHeaders.clear();
      encodedHeaders.set(key, encoded);
    }
    return encoded;
  };

  /** Answers the request and returns true, or returns false having written nothing. */
  async function answer(req: IncomingMessage, res: ServerResponse, started: number): Promise<boolean> {
    const raw = await readBodyOnce(req);
    const ask = understand(req, raw);
    if (ask === undefined) return false;
    const client = tenant.registry.client(ask.clientId);
    if (!isConfidentialMachineClient(client)) return false;
    const loads = engineLoads(client);
    if (!(loads === true || (loads !== false && (await loads)))) return false;
    const ip = clientIp(req) || 'unknown';
    // Before the secret is compared: a blocked pair learns nothing, not even from timing, whether a guess was right.
    // A remembered "allowed" is checked without a promise; anything else is the throttle's full check.
    if (!throttle.allowedFromMemory(ask.clientId, ip) && !(await throttle.check(ask.clientId, ip)).allowed) {
      return false;
    }
    if (!secretMatches(client, ask.secret)) return false;
    const origin = req.headers.origin;
    if (origin && !originAllowedForClient(tenant, origin, client.client_id)) return false;
    const audience = ask.audience ?? tenant.settings.default_audience;
    if (audience === undefined) return false;
    const api = tenant.registry.resourceServer(audience);
    const grant = tenant.registry.clientGrant(client.client_id, audience);
    if (api === undefined || grant === undefined) return false;
    if (tenant.registry.boundActions('credentials-exchange').length > 0) return false;
    const template = templateFor(client, api, grant, ask.scope ?? '');
    if (template === undefined) return false;
    const key = signing.current();
    const privateKey = key === undefined ? undefined : signing.privateKey(key.jwk.kid);
    if (key === undefined || privateKey === undefined) return false;

    const header = encodedHeader(template.typ, key.jwk.kid);
    const iat = Math.floor(Date.now() / 1000);
    const signingInput = `${header}.${Buffer.from(template.payload(iat)).toString('base64url')}`;
    const signature = await new Promise<Buffer>((resolve, reject) => {
      // With a callback, node:crypto signs on the libuv pool, as the engine's signing slot does: the event
      // loop parses and answers other requests meanwhile (same CPU per token, more tokens per second).
      sign('RSA-SHA256', Buffer.from(signingInput), privateKey, (error, value) =>
        error ? reject(error) : resolve(value),
      );
    });
    const accessToken = `${signingInput}.${signature.toString('base64url')}`;

    // What JSON.stringify makes of { access_token, expires_in, scope, token_type }, without scanning the token
    // for characters to escape: it has none (base64url and dots).
    const body = `{"access_token":"${accessToken}","expires_in":${template.lifetime},"scope":${template.scopeJson},"token_type":"Bearer"}`;
    const requestId = recorder?.requestId(headerText(req.headers['x-request-id']));
    // The engine's headers in the engine's order: the request id (observer), CORS (the engine's), no-store
    // (the engine's and the edge's), the JSON type (Koa), Pragma (edge), HSTS and security headers (edge).
    const headers: string[] = [];
    if (requestId !== undefined) headers.push('X-Request-Id', requestId);
    headers.push(
      'Vary',
      'Origin',
      'Access-Control-Allow-Origin',
      origin || '*',
      'Access-Control-Expose-Headers',
      'WWW-Authenticate',
      'Cache-Control',
      'no-store',
      'Content-Type',
      'application/json; charset=utf-8',
      'Pragma',
      'no-cache',
    );
    if (hsts) headers.push('Strict-Transport-Security', DEV_HSTS);
    for (const [name, value] of EVERY_RESPONSE_HEADERS) headers.push(name, value);
    headers.push('Content-Length', String(Buffer.byteLength(body)));
    res.writeHead(200, headers);
    res.end(body);

    answeredHere++;
    metrics?.tokenIssued('client_credentials', client.client_id, audience);
    if (requestId !== undefined) {
      recorder?.record({
        requestId,
        method: 'POST',
        path: ROUTES.token,
        status: 200,
        seconds: (performance.now() - started) / 1_000,
        ip,
        body: undefined,
      });
    }
    // The event the engine's `grant.success` publishes for the same answer (http/token-activity.ts).
    tenant.activity.publish(() =>
      tokenActivity({
        grantType: 'client_credentials',
        clientId: client.client_id,
        accessToken,
        scope: template.scope,
        expiresIn: template.lifetime,
        ip,
        includeToken: tenant.activity.includeTokens,
      }),
    );
    return true;
  }

  return (engine) =>
    function clientCredentialsFirst(req: IncomingMessage, res: ServerResponse): void {
      if (!worthReading(req)) {
        engine(req, res);
        return;
      }
      const started = performance.now();
      answer(req, res, started).then(
        (answered) => {
          if (!answered) engine(req, res);
        },
        // Anything unexpected (storage down under the throttle, a key gone while signing): the engine answers
        // it as it always did, from the same body. Once the answer is written there is nothing left to hand over.
        () => {
          if (!res.headersSent) engine(req, res);
        },
      );
    };
}

/**
 * True for a POST to the token endpoint whose headers a plain client-credentials request has: a body of a
 * known small length in a type the Auth0 layer reads, and none of the headers that change how the engine
 * authenticates the client or binds the token (DPoP, client attestation).
 */
function worthReading(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || req.url !== ROUTES.token) return false;
  const headers = req.headers;
  const length = Number(headers['content-length']);
  if (!(length > 0 && length <= MAX_FAST_BODY_BYTES) || headers['transfer-encoding'] !== undefined) return false;
  const type = (headers['content-type'] ?? '').split(';')[0];
  if (type !== 'application/x-www-form-urlencoded' && type !== 'application/json') return false;
  return (
    headers.dpop === undefined &&
    headers['oauth-client-attestation'] === undefined &&
    headers['oauth-client-attestation-pop'] === undefined
  );
}

/**
 * The request's client, secret, audience and scope, or undefined unless it is a plain client-credentials
 * request: each known parameter at most once and never empty, no other parameter, the secret either in the
 * body or in `Authorization: Basic` (decoded as the engine decodes it), a scope the engine's syntax accepts.
 */
function understand(req: IncomingMessage, raw: Buffer): TokenAsk | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0];
  const params = type === 'application/json' ? jsonToParams(raw) : formParams(raw.toString('utf8'));
  if (typeof params === 'string') return undefined;
  const seen = new Map<string, string>();
  for (const [name, value] of params) {
    if (!KNOWN_PARAMS.has(name) || value === '' || seen.has(name)) return undefined;
    seen.set(name, value);
  }
  if (seen.get('grant_type') !== 'client_credentials') return undefined;
  let clientId = seen.get('client_id');
  let secret = seen.get('client_secret');
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    if (secret !== undefined) return undefined;
    const basic = basicCredentials(authorization);
    if (basic === undefined || (clientId !== undefined && clientId !== basic.clientId)) return undefined;
    clientId = basic.clientId;
    secret = basic.secret;
  }
  if (clientId === undefined || secret === undefined || clientId.length > MAX_CLIENT_ID_CHARS) return undefined;
  const scope = seen.get('scope');
  if (scope !== undefined && !SCOPE_SYNTAX.test(scope)) return undefined;
  return { clientId, secret, audience: seen.get('audience'), scope };
}

/**
 * An urlencoded body's parameters exactly as `URLSearchParams` reads them (the Auth0 layer's parser), in a
 * fraction of its time for the common case: `+` is a space, then `decodeURIComponent`. Where the two could
 * differ (a `%` not followed by two hex digits, bytes that are not UTF-8) `decodeURIComponent` throws, and
 * `URLSearchParams` itself decides.
 */
function formParams(text: string): Iterable<[string, string]> {
  const pairs: [string, string][] = [];
  try {
    for (const part of text.split('&')) {
      if (part === '') continue;
      const equals = part.indexOf('=');
      const name = equals === -1 ? part : part.slice(0, equals);
      const value = equals === -1 ? '' : part.slice(equals + 1);
      pairs.push([formDecode(name), formDecode(value)]);
    }
  } catch {
    return new URLSearchParams(text);
  }
  return pairs;
}

function formDecode(text: string): string {
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text;
  return spaced.includes('%') ? decodeURIComponent(spaced) : spaced;
}

/** `Authorization: Basic` as oidc-provider 9.13.3 reads it (`lib/shared/client_auth.js`), or undefined. */
function basicCredentials(header: string): { clientId: string; secret: string } | undefined {
  const parts = header.split(' ');
  const [scheme, encoded] = parts;
  if (parts.length !== 2 || scheme?.toLowerCase() !== 'basic' || encoded === undefined) return undefined;
  if (!isValidBase64(encoded)) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  try {
    const clientId = decodeAuthToken(decoded.slice(0, colon));
    const secret = decodeAuthToken(decoded.slice(colon + 1));
    return clientId && secret ? { clientId, secret } : undefined;
  } catch {
    return undefined;
  }
}

/** oidc-provider's `isValidBase64`: canonical base64 with correct padding. */
function isValidBase64(input: string): boolean {
  const match = /^([A-Za-z0-9+/]*)(={0,2})$/u.exec(input);
  const data = match?.[1];
  const padding = match?.[2] ?? '';
  if (!data) return false;
  const remainder = data.length % 4;
  if (!padding) return remainder !== 1;
  return (data.length + padding.length) % 4 === 0 && padding.length === 4 - remainder;
}

/** oidc-provider's `decodeAuthToken`: form-urlencoded (`+` is a space), visible ASCII only. */
function decodeAuthToken(token: string): string {
  const decoded = decodeURIComponent(token.replace(/\+/g, '%20'));
  if (NOT_VSCHAR.test(decoded)) throw new Error('invalid character found');
  return decoded;
}

/** A client the fast path may authenticate: confidential, allowed client credentials, secret in body or Basic. */
function isConfidentialMachineClient(
  client: ClientRecord | undefined,
): client is ClientRecord & { client_secret: string } {
  return (
    client !== undefined &&
    typeof client.client_secret === 'string' &&
    client.grant_types.includes('client_credentials') &&
    (client.token_endpoint_auth_method === 'client_secret_post' ||
      client.token_endpoint_auth_method === 'client_secret_basic')
  );
}

/** The engine's comparison (`constantEquals(secret, given, 1000)`): constant time, padded to 1000 bytes. */
function secretMatches(client: ClientRecord & { client_secret: string }, given: string): boolean {
  const secret = client.client_secret;
  const length = Math.max(Buffer.byteLength(secret), Buffer.byteLength(given), SECRET_COMPARE_BYTES);
  if (length > SECRET_COMPARE_BYTES) return timingSafeEqual(padded(secret, length), padded(given, length));
  // The common case without allocating: the padded secret is kept with the client record (and goes with it),
  // the given one written into a scratch buffer (the comparison is synchronous: no other request can touch it).
  let expected = paddedSecrets.get(client);
  if (expected === undefined) {
    expected = padded(secret, SECRET_COMPARE_BYTES);
    paddedSecrets.set(client, expected);
  }
  scratch.fill(0);
  scratch.write(given);
  return timingSafeEqual(expected, scratch);
}

const paddedSecrets = new WeakMap<ClientRecord, Buffer>();
const scratch = Buffer.alloc(SECRET_COMPARE_BYTES);

function padded(text: string, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  buffer.write(text);
  return buffer;
}

/**
 * The claims every token of (client, API, grant, asked scope) shares, or undefined when the engine would
 * refuse the request (a scope outside the grant) or issue something this path does not (no scope at all).
 * The token's scope is what the engine computes (engine/resource-servers.ts, then oidc-provider's
 * client_credentials grant): the asked scopes, de-duplicated, in the order asked; all granted ones, in the
 * grant's order, when none is asked.
 */
function buildTemplate(
  issuer: string,
  client: ClientRecord,
  api: ResourceServerRecord,
  grant: ClientGrantRecord,
  asked: string,
): Template | undefined {
  const granted = new Set(grant.scope);
  const requested = asked === '' ? [] : asked.split(' ');
  if (requested.some((s) => !granted.has(s) || ENGINE_STATIC_SCOPES.has(s))) return undefined;
  const scopes = [...new Set(requested.length > 0 ? requested : grant.scope)];
  if (scopes.length === 0) return undefined;
  const scope = scopes.join(' ');
  // The engine's JWT format, in its member order (oidc-provider `lib/models/formats/jwt.js`).
  const claims: Record<string, unknown> = {
    jti: '',
    sub: client.client_id,
    iat: 0,
    exp: 0,
    scope,
    client_id: client.client_id,
    iss: issuer,
    aud: api.identifier,
  };
  shapeMachineClaims(claims, { issuer, audience: api.identifier, clientId: client.client_id, api, scopes });
  const typ = accessTokenType(api);
  const lifetime = api.token_lifetime;
  return {
    client,
    api,
    payload: payloadWriter(claims, lifetime),
    typ,
    scope,
    scopeJson: JSON.stringify(scope),
    lifetime,
  };
}

/**
 * The claims' JSON with holes for the members that change per token, in the claims' member order: what
 * `JSON.stringify({ ...claims, iat, exp, jti })` gives, without walking the fixed members again.
 */
function payloadWriter(claims: Record<string, unknown>, lifetime: number): (iat: number) => string {
  // Between the holes: the fixed members, each serialised by JSON.stringify as it would be in place.
  const fixed: string[] = [];
  const holes: ('iat' | 'exp' | 'jti')[] = [];
  let text = '{';
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined) continue;
    text += `${text === '{' ? '' : ','}${JSON.stringify(name)}:`;
    if (name === 'iat' || name === 'exp' || name === 'jti') {
      fixed.push(text);
      holes.push(name);
      text = '';
    } else {
      text += JSON.stringify(value);
    }
  }
  fixed.push(`${text}}`);
  return (iat) => {
    let json = fixed[0] as string;
    for (let i = 0; i < holes.length; i++) {
      const hole = holes[i];
      // The engine's JWT format gives every token a 43-character random id; only RFC 9068 tokens keep it.
      const value =
        hole === 'iat' ? iat : hole === 'exp' ? iat + lifetime : `"${randomBytes(32).toString('base64url')}"`;
      json += `${value}${fixed[i + 1]}`;
    }
    return json;
  };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
