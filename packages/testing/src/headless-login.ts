import { createHash, randomBytes } from 'node:crypto';
import { CookieBrowser, hiddenInput } from './cookie-browser.ts';
import { TestingError } from './errors.ts';
import { requestToken, type TokenSet } from './token-endpoint.ts';

export interface HeadlessLogin {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
  username: string;
  password: string;
  audience?: string;
  scope: string;
}

/**
 * The authorization-code flow with PKCE, as a browser and the app would run it: /authorize, the tenant's
 * real login form, the redirect to the app's callback, then the code exchange. Nothing is forged: the
 * tokens are the ones the tenant issues to the app (post-login actions included).
 */
export async function loginHeadlessly(login: HeadlessLogin): Promise<TokenSet> {
  const browser = new CookieBrowser();
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL('authorize', login.issuer);
  const params: Record<string, string> = {
    client_id: login.clientId,
    response_type: 'code',
    redirect_uri: login.redirectUri,
    scope: login.scope,
    state,
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...(login.audience ? { audience: login.audience } : {}),
  };
  for (const [key, value] of Object.entries(params)) authorize.searchParams.set(key, value);

  const first = await browser.follow(authorize, login.redirectUri);
  let callback = first.url;
  if (!callback.startsWith(login.redirectUri)) {
    const page = await first.response.text();
    const csrf = hiddenInput(page, 'csrf');
    if (first.response.status !== 200 || !csrf) {
      throw new TestingError(
        'ERR_TESTING_LOGIN',
        `no login form at ${first.url} (${first.response.status}): ${text(page)}`,
      );
    }
    const submitted = await browser.follow(first.url, login.redirectUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        username: login.username,
        password: login.password,
        csrf,
        state: hiddenInput(page, 'state') ?? '',
      }),
    });
    if (!submitted.url.startsWith(login.redirectUri)) {
      const answer = await submitted.response.text();
      throw new TestingError(
        'ERR_TESTING_LOGIN',
        `the login of ${login.username} did not reach the app: ${text(answer)}`,
      );
    }
    callback = submitted.url;
  }
  const query = new URL(callback).searchParams;
  const code = query.get('code');
  if (!code || query.get('state') !== state) {
    throw new TestingError(
      'ERR_TESTING_LOGIN',
      `the tenant sent the app no code: ${query.get('error_description') ?? callback}`,
    );
  }
  return requestToken(login.issuer, {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: login.redirectUri,
    client_id: login.clientId,
    ...(login.clientSecret === undefined ? {} : { client_secret: login.clientSecret }),
  });
}

/** The visible text of an error page, shortened, for error messages. */
function text(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}
