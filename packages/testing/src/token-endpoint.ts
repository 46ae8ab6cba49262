import { TestingError } from './errors.ts';

/** What the tenant's token endpoint answers, as Auth0's. */
export interface TokenSet {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  id_token?: string;
  refresh_token?: string;
}

/** POSTs a form to `/oauth/token`; a refusal becomes an error naming Auth0's error and description. */
export async function requestToken(issuer: string, form: Record<string, string>): Promise<TokenSet> {
  const response = await fetch(new URL('oauth/token', issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const body = (await response.json()) as TokenSet & { error?: string; error_description?: string };
  if (!response.ok) {
    throw new TestingError(
      'ERR_TESTING_TOKEN',
      `the tenant refused the token (${response.status} ${body.error ?? ''}): ${body.error_description ?? ''}`,
    );
  }
  return body;
}
