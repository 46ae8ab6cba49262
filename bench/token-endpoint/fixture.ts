/**
 * The M2M client and API of the server test fixture (packages/testkit/src/fixture-config.ts), shared by
 * the load generator and the bare oidc-provider server so that both servers issue the same token.
 */
export const CLIENT_ID = 'orders-m2m-0001';
export const CLIENT_SECRET = 'orders-secret-0123456789abcdef0123456789abcdef';
export const AUDIENCE = 'https://catalog.example.test';
export const SCOPE = 'read:catalog';

/** The token request (client_secret_post): `audience` in Auth0's dialect, `resource` (RFC 8707) for the bare engine. */
export function tokenRequestBody(audienceParam: 'audience' | 'resource'): string {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    [audienceParam]: AUDIENCE,
    scope: SCOPE,
  }).toString();
}
