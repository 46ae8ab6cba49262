import { createHash, randomBytes } from 'node:crypto';
import { hiddenInput, ScriptedBrowser } from './http-browser.ts';

export interface LoginFlowOptions {
  issuer: string;
  clientId: string;
  redirectUri: string;
  username: string;
  password: string;
  scope?: string;
  audience?: string;
  browser?: ScriptedBrowser;
  extraParams?: Record<string, string>;
}

export interface LoginFlowResult {
  browser: ScriptedBrowser;
  callback: URL;
  code: string;
  verifier: string;
  state: string;
  nonce: string;
}

export const pkcePair = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/** Runs /authorize → login form → callback as a browser would, and returns the authorization code. */
export async function loginForCode(options: LoginFlowOptions): Promise<LoginFlowResult> {
  const browser = options.browser ?? new ScriptedBrowser();
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(16).toString('base64');
  const nonce = randomBytes(16).toString('base64');
  const authorize = new URL('authorize', options.issuer);
  const params: Record<string, string> = {
    client_id: options.clientId,
    response_type: 'code',
    redirect_uri: options.redirectUri,
    scope: options.scope ?? 'openid profile email',
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(options.audience ? { audience: options.audience } : {}),
    ...options.extraParams,
  };
  for (const [k, v] of Object.entries(params)) authorize.searchParams.set(k, v);
  const first = await browser.follow(authorize, options.redirectUri);
  let callback: URL;
  if (first.url.startsWith(options.redirectUri)) {
    callback = new URL(first.url);
  } else {
    const page = await first.response.text();
    if (first.response.status !== 200)
      throw new Error(`login page answered ${first.response.status}: ${page.slice(0, 200)}`);
    const csrf = hiddenInput(page, 'csrf');
    if (!csrf) throw new Error(`no login form at ${first.url}`);
    const submitted = await browser.follow(first.url, options.redirectUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        username: options.username,
        password: options.password,
        csrf,
        state: hiddenInput(page, 'state') ?? '',
      }),
    });
    if (!submitted.url.startsWith(options.redirectUri)) {
      throw new Error(
        `login did not reach the callback (status ${submitted.response.status} at ${submitted.url}): ${(await submitted.response.text()).slice(0, 300)}`,
      );
    }
    callback = new URL(submitted.url);
  }
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`callback without code: ${callback.search}`);
  return { browser, callback, code, verifier, state, nonce };
}
