/**
 * What each claim of a token means in authmesh (and Auth0), in a sentence, for the console's inspector.
 * The texts describe the value the token actually carries where that changes the meaning (an M2M subject,
 * a list of audiences, the grant type). References: Auth0's "Access Token Profiles" and "JSON Web Token
 * Claims" documentation, RFC 9068 (JWT access tokens), RFC 8693 §4.1 (`act`).
 */

export interface ClaimExplanation {
  claim: string;
  value: unknown;
  meaning: string;
}

/** Names for the tenant's objects, so explanations can say "the client Orders Service". */
export interface ClaimNames {
  issuer: string;
  clientName(clientId: string): string | undefined;
  apiName(identifier: string): string | undefined;
}

type Meaning = (value: unknown, names: ClaimNames, claims: Record<string, unknown>) => string;

const MEANINGS: Readonly<Record<string, Meaning>> = {
  iss: (value, names) =>
    value === names.issuer
      ? 'Issuer: this tenant signed the token. APIs accept tokens only from the issuer they trust.'
      : `Issuer: ${String(value)}, not this tenant (${names.issuer}); this tenant's APIs refuse it.`,
  sub: (value, names) =>
    typeof value === 'string' && value.endsWith('@clients')
      ? `Subject: the application itself (${describeClient(value.slice(0, -'@clients'.length), names)}), machine to machine, no user: "<client_id>@clients".`
      : 'Subject: the user the token speaks for (their user_id). APIs key their data on it.',
  aud: (value, names) => {
    const list = Array.isArray(value) ? value.map(String) : [String(value)];
    const named = list.map((a) => (names.apiName(a) ? `${a} (${names.apiName(a)})` : a)).join(', ');
    return list.length > 1
      ? `Audiences: the API (${named}); the extra ${names.issuer}userinfo audience lets the same token call /userinfo. Each API accepts only tokens with its own identifier here.`
      : `Audience: the API this token is for (${named}). An API accepts only tokens naming its identifier; a token for one API is never good for another.`;
  },
  azp: (value, names) =>
    `Authorized party: the application that asked for the token (${describeClient(value, names)}).`,
  client_id: (value, names) =>
    `The application that asked for the token (${describeClient(value, names)}), as RFC 9068 names it (Auth0 calls it azp).`,
  gty: (value) =>
    value === 'client-credentials'
      ? 'Grant type: client credentials. An application asked for itself with its secret; no user took part.'
      : value === 'password'
        ? 'Grant type: password (Resource Owner Password). The application sent the user’s password to /oauth/token.'
        : `Grant type: ${String(value)}: how the token was obtained (Auth0 omits it for authorization-code tokens).`,
  scope: (value) =>
    `Scopes granted to the application: for an M2M token what its client grant allows, for a user token what the app asked for and the user consented to (${String(value) || 'none'}).`,
  permissions: (value) =>
    `RBAC permissions (the API enforces policies with the access_token_authz dialect): what the user holds on this API through roles and direct grants, or for an M2M token its granted scopes (${Array.isArray(value) && value.length > 0 ? value.join(' ') : 'none'}). APIs check these, not the scope, for users.`,
  act: (value) =>
    `Actor (RFC 8693 token exchange, On-Behalf-Of): ${describeActor(value)} called on behalf of the subject. The API sees the user as sub and the calling service here.`,
  exp: (value) =>
    typeof value === 'number'
      ? `Expires at ${iso(value)}: APIs refuse the token after this; get a new one (or use the refresh token).`
      : 'Expiry time.',
  iat: (value) => (typeof value === 'number' ? `Issued at ${iso(value)}.` : 'Issued-at time.'),
  nbf: (value) => (typeof value === 'number' ? `Not valid before ${iso(value)}.` : 'Not-before time.'),
  jti: () => 'Token id: unique per token; lets an API or the tenant tell tokens apart (e.g. refuse a replay).',
  org_id: (value) => `The organization the user logged in through (${String(value)}).`,
  org_name: (value) => `The name of the organization the user logged in through (${String(value)}).`,
  auth_time: (value) =>
    typeof value === 'number' ? `When the user last authenticated: ${iso(value)}.` : 'Authentication time.',
  sid: () => 'The login session the token came from (used by logout).',
  nonce: () => 'The nonce the app sent to /authorize: only an ID token carries it, never send it to an API.',
  at_hash: () => 'Hash of the access token issued with this ID token: this is an ID token, not an access token.',
  email: () => 'The user’s e-mail address (an ID token or /userinfo claim).',
  email_verified: () => 'Whether the user proved they own the e-mail address.',
  name: () => 'The user’s display name (an ID token or /userinfo claim).',
  nickname: () => 'The user’s nickname (Auth0 profile claim).',
  picture: () => 'The user’s picture URL (Auth0 profile claim).',
  updated_at: () => 'When the user’s profile last changed.',
};

/** One explanation per claim of `claims`, in the token's order. */
export function explainClaims(claims: Record<string, unknown>, names: ClaimNames): ClaimExplanation[] {
  return Object.entries(claims).map(([claim, value]) => ({
    claim,
    value,
    meaning: meaningOf(claim, value, names, claims),
  }));
}

function meaningOf(claim: string, value: unknown, names: ClaimNames, claims: Record<string, unknown>): string {
  const known = MEANINGS[claim];
  if (known) return known(value, names, claims);
  if (/^https?:\/\//.test(claim)) {
    return 'A custom claim an Action added (api.accessToken.setCustomClaim / api.idToken.setCustomClaim), namespaced with a URL so it cannot clash with standard claims.';
  }
  return 'A claim this tenant does not define: an Action or the client added it, or another issuer did.';
}

function describeClient(value: unknown, names: ClaimNames): string {
  const id = String(value);
  const name = names.clientName(id);
  return name ? `${name}, client_id ${id}` : `client_id ${id}`;
}

function describeActor(value: unknown): string {
  if (value !== null && typeof value === 'object' && 'sub' in value) {
    return `the service ${String((value as { sub: unknown }).sub)}`;
  }
  return 'a service';
}

/** The time as ISO-8601, or the number itself where no date exists (a forged `exp` of 1e300). */
function iso(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? `${seconds} (not a date)` : date.toISOString();
}
