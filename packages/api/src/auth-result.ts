/** The claims of a verified access token, as Auth0 and authmesh issue them. */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat?: number;
  nbf?: number;
  scope?: string;
  permissions?: string[];
  azp?: string;
  client_id?: string;
  gty?: string;
  jti?: string;
  /** RFC 8693 §4.1: who acts for `sub` (on-behalf-of tokens); nested for chains, the current actor outermost. */
  act?: ActorClaim;
  [claim: string]: unknown;
}

/** An `act` claim: the acting party (`sub`, a client id for Auth0's on-behalf-of tokens) and who it acted for. */
export interface ActorClaim {
  sub: string;
  /** The actor before this one in a chain of exchanges. */
  act?: ActorClaim;
  [claim: string]: unknown;
}

/** What a protected route knows about its caller once the token is verified. */
export interface AuthResult {
  /** The raw access token, e.g. to forward it. */
  token: string;
  header: Readonly<Record<string, unknown>>;
  claims: Readonly<AccessTokenClaims>;
  /** `sub`: a user id (`auth0|…`) or `<client_id>@clients` for machine tokens. Key users by (issuer, subject). */
  subject: string;
  issuer: string;
  /** The application that asked for the token (`azp`, or `client_id` in the RFC 9068 profile). */
  clientId: string | undefined;
  /** True for client-credentials (machine-to-machine) tokens. */
  isMachine: boolean;
  /** The `scope` claim as a set. */
  scopes: ReadonlySet<string>;
  /** The `permissions` claim (RBAC) as a set; empty when absent. */
  permissions: ReadonlySet<string>;
  /**
   * The actors of an on-behalf-of token, current first (`act.sub`, then `act.act.sub`…); empty when the caller acts
   * for itself. Log them with `subject`: the user is `subject`, the API that called on the user's behalf `actors[0]`.
   */
  actors: readonly string[];
}

export function toAuthResult(token: string, header: Record<string, unknown>, claims: AccessTokenClaims): AuthResult {
  const scopes = new Set(typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : []);
  if (Array.isArray(claims.permissions)) Object.freeze(claims.permissions);
  return Object.freeze({
    token,
    header: Object.freeze(header),
    claims: Object.freeze(claims),
    subject: claims.sub,
    issuer: claims.iss,
    clientId:
      typeof claims.azp === 'string' ? claims.azp : typeof claims.client_id === 'string' ? claims.client_id : undefined,
    isMachine: claims.gty === 'client-credentials' || claims.sub.endsWith('@clients'),
    scopes,
    permissions: new Set(Array.isArray(claims.permissions) ? claims.permissions : []),
    actors: Object.freeze(actorsOf(claims.act)),
  });
}

/** The `sub` of each nested `act`, current actor first; the verifier has checked the shape. */
function actorsOf(act: ActorClaim | undefined): string[] {
  const actors: string[] = [];
  for (let actor = act; actor; actor = actor.act) actors.push(actor.sub);
  return actors;
}

/**
 * A copy that shares the frozen parts and gets its own sets: a cached result is handed to many requests,
 * and one route adding to its `scopes` must not change what the next request sees.
 */
export function copyAuthResult(auth: AuthResult): AuthResult {
  return Object.freeze({ ...auth, scopes: new Set(auth.scopes), permissions: new Set(auth.permissions) });
}
