import { loginForCode } from '@authmesh/testkit';
import { decodeJwt, SPA, tokenRequest } from '../security/helpers.ts';

/** A user of the fixture tenant, as the login form takes it. */
export interface LoginUser {
  username: string;
  password: string;
}

/** Logs `user` in through the fixture SPA and redeems the code; returns the access token for `audience`. */
export async function userAccessToken(
  issuer: string,
  user: LoginUser,
  audience: string,
  scope = 'openid profile email',
): Promise<string> {
  const login = await loginForCode({
    issuer,
    clientId: SPA.clientId,
    redirectUri: SPA.redirectUri,
    ...user,
    scope,
    audience,
  });
  const reply = await tokenRequest(issuer, {
    grant_type: 'authorization_code',
    client_id: SPA.clientId,
    code: login.code,
    code_verifier: login.verifier,
    redirect_uri: SPA.redirectUri,
  });
  const token = (reply.json as { access_token?: unknown }).access_token;
  if (reply.status !== 200 || typeof token !== 'string')
    throw new Error(`token endpoint: ${reply.status} ${reply.text}`);
  return token;
}

/** The claims of a JWT (not verified: the tests only read what the tenant issued). */
export function claimsOf(token: string): Record<string, unknown> {
  return decodeJwt(token).payload;
}
