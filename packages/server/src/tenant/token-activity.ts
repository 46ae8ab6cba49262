import { decodeJwt } from '../explain/jwt.ts';
import type { TokenActivity } from './activity.ts';

/** What is known about an access token just issued at /oauth/token, wherever it was issued. */
export interface IssuedToken {
  grantType: string;
  clientId: string;
  /** The access token as answered (a JWT, or an opaque token for /userinfo only). */
  accessToken: string;
  /** The `scope` of the token response, when it has one (else the token's own `scope` claim is used). */
  scope?: string;
  expiresIn?: number;
  ip?: string;
  /** Put the token itself in the event: `feed.includeTokens` (a console on loopback only). */
  includeToken: boolean;
}

/**
 * The `token` activity event for an issued access token: grant type, client, audience, scope, subject and
 * `act` from the token's claims, its header and claims decoded (never verified: the tenant just signed it),
 * and the token itself only where the feed includes tokens. Shared by the engine's `grant.success`
 * listener (http/token-activity.ts) and any path that issues tokens without the engine; call it inside
 * `tenant.activity.publish(() => tokenActivity(…))` so nothing is decoded while nobody listens.
 */
export function tokenActivity(issued: IssuedToken): TokenActivity {
  const decoded = decodeJwt(issued.accessToken);
  const claims = decoded?.payload;
  const audiences = claims === undefined ? [] : audiencesOf(claims.aud);
  // The /userinfo audience rides along with an API's on user tokens: the API is the one that matters here.
  const audience = audiences.find((a) => !a.endsWith('/userinfo')) ?? audiences[0];
  const scope = issued.scope ?? (typeof claims?.scope === 'string' ? claims.scope : undefined);
  return {
    type: 'token',
    grant_type: issued.grantType,
    client_id: issued.clientId,
    ...(audience === undefined ? {} : { audience }),
    ...(scope === undefined ? {} : { scope }),
    ...(typeof claims?.sub === 'string' ? { subject: claims.sub } : {}),
    ...(claims?.act === undefined ? {} : { act: claims.act }),
    ...(issued.includeToken ? { access_token: issued.accessToken } : {}),
    ...(decoded ? { header: decoded.header, claims: decoded.payload } : {}),
    ...(issued.expiresIn === undefined ? {} : { expires_in: issued.expiresIn }),
    ...(issued.ip === undefined ? {} : { ip: issued.ip }),
  };
}

function audiencesOf(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}
