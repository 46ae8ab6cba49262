import { type DecodedJwt, decodeJwt, signedByOneOf } from './jwt.ts';
import { type Caller, missingScopeReason } from './scope-advice.ts';
import {
  clientName,
  describeAudience,
  type ExplainTenant,
  findApi,
  type KnownApi,
  userEmail,
  userinfoAudience,
} from './tenant-view.ts';

/** What the token is checked for: the API that receives it and the scopes (or permissions) that API requires. */
export interface ExplainOptions {
  /** The API's identifier; default: the token's own audience. */
  audience?: string;
  /** Scopes the API requires; each must be in the token's `scope` or `permissions`. */
  scopes?: readonly string[];
  /** The time to judge expiry at; default now. */
  now?: Date;
}

/** Whether an API would accept a token, and exactly why not, in plain sentences. */
export interface TokenVerdict {
  accepted: boolean;
  /** What the token says about itself (kind, subject, client, audiences, scopes, expiry), one line each. */
  facts: string[];
  /** Each reason the API would refuse it, one sentence with its fix; empty when accepted. */
  reasons: string[];
  /** The verdict in one sentence. */
  summary: string;
}

/**
 * Decodes `token`, verifies it against the tenant's keys and says whether the API named by
 * `options.audience` would accept it. Never throws for a bad token: a bad token is a verdict.
 */
export function explainToken(tenant: ExplainTenant, token: string, options: ExplainOptions = {}): TokenVerdict {
  const wanted = options.audience;
  const refuse = (reasons: string[], facts: string[] = []): TokenVerdict => ({
    accepted: false,
    facts,
    reasons,
    summary: `${wanted ? describeAudience(tenant, wanted) : 'An API of this tenant'} would refuse this token.`,
  });
  const jwt = decodeJwt(token);
  if (!jwt) {
    return refuse([
      /^[\w-]+$/.test(token.trim()) && token.trim().length > 0
        ? `This is an opaque access token, not a JWT: the tenant issues one when the login names no audience, and it is only good for /userinfo; ask for audience=${wanted ?? '<your API identifier>'} to get a JWT for the API.`
        : 'This is not a JWT: a JWT has three base64url parts separated by dots, with a JSON header and payload.',
    ]);
  }
  const facts = describe(tenant, jwt);
  const { payload, header } = jwt;
  if (header.alg !== 'RS256') {
    return refuse(
      [
        `The token is signed with ${String(header.alg)}, but this tenant signs with RS256 only: it did not come from this tenant.`,
      ],
      facts,
    );
  }
  if (payload.iss !== tenant.issuer) {
    return refuse(
      [
        `The token was issued by ${String(payload.iss)}, not by this tenant (${tenant.issuer}): get a token from ${tenant.issuer}.`,
      ],
      facts,
    );
  }
  if (!signedByOneOf(jwt, tenant.keys)) {
    const kid = typeof header.kid === 'string' ? ` (kid ${header.kid})` : '';
    return refuse(
      [
        `The signature${kid} does not verify with this tenant's keys (${tenant.issuer}.well-known/jwks.json): the token comes from another tenant with the same issuer (another data directory) or was altered.`,
      ],
      facts,
    );
  }
  const audiences = audiencesOf(payload);
  const idTokenFor = idTokenClient(tenant, jwt, audiences);
  if (idTokenFor !== undefined) {
    return refuse(
      [
        `This is an ID token for the client ${idTokenFor}, not an access token: send the access token from the same token response to the API; the ID token only tells the app who logged in.`,
      ],
      facts,
    );
  }

  const reasons: string[] = [];
  const now = (options.now ?? new Date()).getTime() / 1000;
  if (typeof payload.exp === 'number' && now >= payload.exp) {
    reasons.push(`The token expired at ${iso(payload.exp)}; get a new one.`);
  }
  const notBefore = typeof payload.nbf === 'number' ? payload.nbf : undefined;
  if (notBefore !== undefined && now < notBefore) {
    reasons.push(
      `The token is not valid before ${iso(notBefore)}; check the clocks of the issuing and checking machines.`,
    );
  }

  const apiAudiences = audiences.filter((a) => a !== userinfoAudience(tenant.issuer));
  if (apiAudiences.length === 0) {
    reasons.push(
      `The token is only for /userinfo (its audience is ${userinfoAudience(tenant.issuer)}): ask for audience=${wanted ?? '<your API identifier>'} when getting it.`,
    );
    return refuse(reasons, facts);
  }
  const target = wanted ?? apiAudiences[0] ?? '';
  const api = findApi(tenant, target);
  if (!api) {
    const known = tenant.config.resourceServers.map((r) => r.identifier).join(', ') || 'none';
    reasons.push(`This tenant has no API with the identifier ${target} (its APIs: ${known}).`);
    return refuse(reasons, facts);
  }
  if (!audiences.includes(target)) {
    const has = apiAudiences.map((a) => describeAudience(tenant, a)).join(' and ');
    reasons.push(
      `The token is for ${has}, not for ${describeAudience(tenant, target)}: ask for audience=${target} (at /authorize for a user, at /oauth/token for a client).`,
    );
  } else {
    reasons.push(...scopeReasons(tenant, api, jwt, options.scopes ?? []));
  }
  if (reasons.length > 0) return refuse(reasons, facts);
  const required = options.scopes && options.scopes.length > 0 ? `, with ${options.scopes.join(' ')}` : '';
  return {
    accepted: true,
    facts,
    reasons: [],
    summary: `${describeAudience(tenant, target)} would accept this token: issued and signed by this tenant, not expired, for this audience${required}.`,
  };
}

function scopeReasons(tenant: ExplainTenant, api: KnownApi, jwt: DecodedJwt, required: readonly string[]): string[] {
  const held = new Set([...scopesOf(jwt.payload), ...permissionsOf(jwt.payload)]);
  const caller = callerOf(tenant, jwt.payload);
  const reasons: string[] = [];
  for (const scope of required) {
    if (held.has(scope)) continue;
    const defined = api.declared?.scopes.map((s) => s.value);
    if (defined && !defined.includes(scope)) {
      reasons.push(
        `${api.name} defines no scope ${scope} (its scopes: ${defined.join(', ') || 'none'}): no token can carry it; add it to the API's scopes or check the name.`,
      );
    } else {
      reasons.push(missingScopeReason(tenant, api, caller, scope));
    }
  }
  return reasons;
}

function callerOf(tenant: ExplainTenant, payload: Record<string, unknown>): Caller {
  const sub = String(payload.sub ?? '');
  const clientId = String(payload.azp ?? payload.client_id ?? '');
  if (payload.gty === 'client-credentials' || sub.endsWith('@clients')) {
    return { kind: 'client', clientId, client: clientName(tenant, clientId) ?? clientId };
  }
  return { kind: 'user', sub, user: userEmail(tenant, sub) ?? `the user ${sub}` };
}

/** The client an ID token was issued to, or undefined for an access token. */
function idTokenClient(tenant: ExplainTenant, jwt: DecodedJwt, audiences: string[]): string | undefined {
  const { payload } = jwt;
  const single = audiences.length === 1 ? audiences[0] : undefined;
  const looksLikeIdToken =
    'nonce' in payload ||
    'at_hash' in payload ||
    (single !== undefined &&
      !findApi(tenant, single) &&
      payload.scope === undefined &&
      clientName(tenant, single) !== undefined);
  if (!looksLikeIdToken || single === undefined) return undefined;
  return clientName(tenant, single) ?? single;
}

function describe(tenant: ExplainTenant, jwt: DecodedJwt): string[] {
  const { payload } = jwt;
  const lines: string[] = [];
  const caller = callerOf(tenant, payload);
  lines.push(
    caller.kind === 'client'
      ? `subject: the client ${caller.client} (client credentials)`
      : `subject: ${caller.user === `the user ${caller.sub}` ? caller.sub : `${caller.user} (${caller.sub})`}`,
  );
  const clientId = payload.azp ?? payload.client_id;
  if (typeof clientId === 'string') lines.push(`client: ${clientName(tenant, clientId) ?? clientId}`);
  lines.push(`issuer: ${String(payload.iss)}`);
  lines.push(`audience: ${audiencesOf(payload).join(', ') || '(none)'}`);
  const scopes = scopesOf(payload);
  if (scopes.length > 0) lines.push(`scope: ${scopes.join(' ')}`);
  if (Array.isArray(payload.permissions)) lines.push(`permissions: ${permissionsOf(payload).join(' ') || '(none)'}`);
  if (typeof payload.exp === 'number') lines.push(`expires: ${iso(payload.exp)}`);
  return lines;
}

function audiencesOf(payload: Record<string, unknown>): string[] {
  const aud = payload.aud;
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}

function scopesOf(payload: Record<string, unknown>): string[] {
  return typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
}

function permissionsOf(payload: Record<string, unknown>): string[] {
  return Array.isArray(payload.permissions)
    ? payload.permissions.filter((p): p is string => typeof p === 'string')
    : [];
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
