/**
 * The M2M client and API of the server test fixture (packages/testkit/src/fixture-config.ts), shared by
 * the load generator and the bare oidc-provider server so that both servers issue the same token.
 */
export const CLIENT_ID = 'orders-m2m-0001';
export const CLIENT_SECRET = 'orders-secret-0123456789abcdef0123456789abcdef';
export const AUDIENCE = 'https://catalog.example.test';
export const SCOPE = 'read:catalog';
/** The fixture's SPA, for the benchmarks that log users in. */
export const SPA = { clientId: 'spa-client-0001', redirectUri: 'http://localhost:5173/callback' };

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

/**
 * The On-Behalf-Of exchange row: the Orders API's Custom API client trades Alice's Orders API token (from
 * the password grant, obtained once before measuring) for a Catalog token, the same audience and scope as
 * the client-credentials row. The bench server adds this client and its user-delegated grant to the fixture.
 */
export const EXCHANGE_CLIENT_ID = 'orders-api-bench-client';
export const EXCHANGE_CLIENT_SECRET = 'orders-api-bench-secret-0123456789abcdef0123';
export const SUBJECT_AUDIENCE = 'orders-api';
export const PASSWORD_CLIENT_ID = 'backoffice-0001';
export const PASSWORD_CLIENT_SECRET = 'backoffice-secret-0123456789abcdef0123456789ab';
export const USER = { username: 'alice@example.test', password: 'correct horse battery staple' };

/** The password-grant request for the subject token. */
export function subjectTokenRequestBody(): string {
  return new URLSearchParams({
    grant_type: 'password',
    client_id: PASSWORD_CLIENT_ID,
    client_secret: PASSWORD_CLIENT_SECRET,
    ...USER,
    audience: SUBJECT_AUDIENCE,
  }).toString();
}

/** The exchange request (RFC 8693) for one subject token. */
export function exchangeRequestBody(subjectToken: string): string {
  return new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    client_id: EXCHANGE_CLIENT_ID,
    client_secret: EXCHANGE_CLIENT_SECRET,
    subject_token: subjectToken,
    subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    audience: AUDIENCE,
    scope: SCOPE,
  }).toString();
}
