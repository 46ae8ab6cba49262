import { randomUUID, sign } from 'node:crypto';
import { AuthmeshError } from '../errors.ts';
import { managementApiIdentifier } from '../tenant/management-api.ts';
import type { SigningKeyRing } from '../tenant/signing-key-ring.ts';
import { CONSOLE_READ_SCOPES } from './access.ts';

/** The client the loopback console's Management API calls are recorded under (audit `actor`). */
export const CONSOLE_CLIENT_ID = 'authmesh-console';
/** One hour, as the contract says: the app asks for a new session when it expires. */
export const CONSOLE_TOKEN_LIFETIME_S = 3600;

/**
 * What the console edits in place through /api/v2 (grant a scope, add a permission to a role, assign a
 * role, block a user), besides reading the picture.
 */
export const CONSOLE_TOKEN_SCOPES: readonly string[] = [
  ...CONSOLE_READ_SCOPES,
  'read:role_members',
  'create:client_grants',
  'update:client_grants',
  'delete:client_grants',
  'update:roles',
  'create:role_members',
  'delete:role_members',
  'update:users',
  'update:resource_servers',
];

/**
 * Mints the loopback console's Management API access token: an Auth0-style machine-to-machine token
 * (`gty: client-credentials`, `sub: authmesh-console@clients`) for `<issuer>api/v2/`, signed RS256 by the
 * tenant's current signing key. The Management API verifies it like any other token of the tenant
 * (tenant/own-tokens.ts), so the console's edits go through the same checks, audit and persistence as
 * any client's. Signed with node:crypto like the engine's external signing slots, which is all an RS256
 * JWS of the tenant's own needs.
 *
 * @throws AuthmeshError `ERR_SIGNING_KEY` when the tenant has no current signing key.
 */
export function mintConsoleToken(ring: SigningKeyRing, issuer: string): { token: string; expiresIn: number } {
  const current = ring.current();
  const key = current === undefined ? undefined : ring.privateKey(current.jwk.kid);
  if (current === undefined || key === undefined) {
    throw new AuthmeshError('ERR_SIGNING_KEY', 'the tenant has no current signing key');
  }
  const now = Math.floor(ring.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid: current.jwk.kid };
  const claims = {
    iss: issuer,
    sub: `${CONSOLE_CLIENT_ID}@clients`,
    aud: managementApiIdentifier(issuer),
    iat: now,
    exp: now + CONSOLE_TOKEN_LIFETIME_S,
    jti: randomUUID(),
    scope: CONSOLE_TOKEN_SCOPES.join(' '),
    gty: 'client-credentials',
    azp: CONSOLE_CLIENT_ID,
  };
  const input = `${part(header)}.${part(claims)}`;
  const signature = sign('RSA-SHA256', Buffer.from(input), key).toString('base64url');
  return { token: `${input}.${signature}`, expiresIn: CONSOLE_TOKEN_LIFETIME_S };
}

function part(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
