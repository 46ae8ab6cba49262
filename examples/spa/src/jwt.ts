/** The claims of an access token the SPA shows. Never used for decisions that matter: APIs verify tokens. */
export interface TokenClaims {
  aud: string[];
  scope: string[];
  permissions: string[];
  exp?: number;
  iat?: number;
  sub?: string;
}

/**
 * Reads a JWT's payload without verifying it. An SPA can do that for display (and for what to show), never
 * for security: the API that receives the token is the one that verifies its signature, audience and expiry.
 */
export function decodeAccessToken(jwt: string): TokenClaims {
  const payload = jwt.split('.')[1];
  if (!payload) throw new Error('not a JWT');
  const base64 = payload
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(payload.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const claims = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  const list = (value: unknown): string[] =>
    Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
  return {
    aud: Array.isArray(claims.aud) ? claims.aud.map(String) : typeof claims.aud === 'string' ? [claims.aud] : [],
    scope: list(claims.scope),
    permissions: list(claims.permissions),
    ...(typeof claims.exp === 'number' ? { exp: claims.exp } : {}),
    ...(typeof claims.iat === 'number' ? { iat: claims.iat } : {}),
    ...(typeof claims.sub === 'string' ? { sub: claims.sub } : {}),
  };
}
