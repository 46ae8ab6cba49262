import { explainToken, type TokenVerdict } from '../explain/index.ts';
import { type DecodedJwt, decodeJwt, type PublicJwk, signedByOneOf } from '../explain/jwt.ts';
import type { TenantContext } from '../tenant/context.ts';
import type { SigningKeyRing } from '../tenant/signing-key-ring.ts';
import { type ClaimExplanation, explainClaims } from './claim-meanings.ts';
import { explainView } from './explain-view.ts';

/** Tokens longer than this are not decoded (the tenant's own are well under 2 KiB). */
const MAX_TOKEN_LENGTH = 16_384;

/** What the console's inspector shows for a pasted token (the contract's `POST /console/api/inspect`). */
export interface Inspection {
  header: Record<string, unknown> | null;
  claims: Record<string, unknown> | null;
  explanations: ClaimExplanation[];
  signature: { verified: boolean; kid?: string; reason?: string };
  expiry?: { expired: boolean; exp: string; seconds: number };
  verdict?: TokenVerdict;
  /** The APIs a verdict can be asked for. */
  apis: string[];
}

/**
 * Decodes `token`, explains its claims, verifies its signature against the keys the tenant publishes
 * (current, previous and next) and asks `explainToken` (the one verdict, as `authmesh explain` prints it)
 * whether the API `audience` (default: the token's own) would accept it. A token that is not a JWT is an
 * answer too (`header: null`), never an error.
 */
export async function inspectToken(
  tenant: TenantContext,
  ring: SigningKeyRing,
  token: string,
  audience: string | undefined,
  now: Date = new Date(),
): Promise<Inspection> {
  const apis = tenant.registry.resourceServers().map((api) => api.identifier);
  // What people paste: often the whole header value, `Bearer eyJ…`.
  const trimmed = token.trim().replace(/^Bearer\s+/i, '');
  const jwt = trimmed.length <= MAX_TOKEN_LENGTH ? decodeJwt(trimmed) : undefined;
  if (!jwt) {
    return {
      header: null,
      claims: null,
      explanations: [],
      signature: { verified: false, reason: notAJwt(trimmed) },
      apis,
    };
  }
  const subject = typeof jwt.payload.sub === 'string' ? jwt.payload.sub : undefined;
  const view = await explainView(tenant, ring, subject);
  const { registry } = tenant;
  return {
    header: jwt.header,
    claims: jwt.payload,
    explanations: explainClaims(jwt.payload, {
      issuer: tenant.issuer,
      clientName: (id) => registry.client(id)?.name,
      apiName: (identifier) => registry.resourceServer(identifier)?.name,
    }),
    signature: verifySignature(jwt, view.keys),
    ...expiryOf(jwt, now),
    ...verdictOf(() => explainToken(view, trimmed, { ...(audience ? { audience } : {}), now })),
    apis,
  };
}

/** The verdict, or none for a token whose times no date can hold (the verdict prints them as dates). */
function verdictOf(explain: () => TokenVerdict): Pick<Inspection, 'verdict'> {
  try {
    return { verdict: explain() };
  } catch {
    return {};
  }
}

function verifySignature(jwt: DecodedJwt, keys: readonly PublicJwk[]): Inspection['signature'] {
  const kid = typeof jwt.header.kid === 'string' ? jwt.header.kid : undefined;
  const withKid = kid === undefined ? {} : { kid };
  if (jwt.header.alg !== 'RS256') {
    return {
      verified: false,
      ...withKid,
      reason: `Signed with ${String(jwt.header.alg)}; this tenant signs with RS256 only.`,
    };
  }
  if (kid !== undefined && !keys.some((k) => k.kid === kid)) {
    return {
      verified: false,
      ...withKid,
      reason: `No key with kid ${kid} is published by this tenant (current, previous or next key): another tenant signed it, or its key was retired.`,
    };
  }
  if (!signedByOneOf(jwt, keys)) {
    return {
      verified: false,
      ...withKid,
      reason: 'The signature does not match the tenant’s key: the token was altered after it was signed.',
    };
  }
  return { verified: true, ...withKid };
}

function expiryOf(jwt: DecodedJwt, now: Date): Pick<Inspection, 'expiry'> {
  const exp = jwt.payload.exp;
  // Beyond ±8.64e12 s no Date exists: such a token is still shown, without an expiry.
  if (typeof exp !== 'number' || !(Math.abs(exp) < 8.64e12)) return {};
  const seconds = Math.round(exp - now.getTime() / 1000);
  return { expiry: { expired: seconds <= 0, exp: new Date(exp * 1000).toISOString(), seconds } };
}

function notAJwt(token: string): string {
  if (token === '') return 'No token: paste a JWT (three base64url parts separated by dots).';
  if (token.length > MAX_TOKEN_LENGTH) return `Longer than ${MAX_TOKEN_LENGTH} characters: not a token of this tenant.`;
  if (/^[\w-]+$/.test(token)) {
    return 'An opaque token, not a JWT: the tenant issues one when no audience is asked for; it is only good for /userinfo.';
  }
  return 'Not a JWT: a JWT has three base64url parts separated by dots, with a JSON header and payload.';
}
