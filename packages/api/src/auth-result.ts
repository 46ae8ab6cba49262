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
  });
}

/**
 * A copy that shares the frozen parts and gets its own sets: a cached result is handed to many requests,
 * and one route adding to its `scopes` must not change what the next request sees.
 */
export function copyAuthResult(auth: AuthResult): AuthResult {
  return Object.freeze({ ...auth, scopes: new Set(auth.scopes), permissions: new Set(auth.permissions) });
}
