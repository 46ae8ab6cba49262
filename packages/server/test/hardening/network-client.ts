import { hiddenInput } from '@authmesh/testkit';
import { authorizeUrl, LocalAddressBrowser, SPA } from '../security/helpers.ts';

/**
 * A distinct network client, or a proxy speaking for one: the security suite's browser from one loopback
 * address, with fixed headers (such as `X-Forwarded-For`), plus the login steps the hardening tests repeat.
 */
export class NetworkClient extends LocalAddressBrowser {
  /** Opens the login page of a fresh /authorize transaction of the fixture SPA. */
  async openLoginPage(issuer: string): Promise<{ url: string; csrf: string }> {
    const authorize = authorizeUrl(issuer, {
      client_id: SPA.clientId,
      response_type: 'code',
      redirect_uri: SPA.redirectUri,
      scope: 'openid',
      state: 'network-client',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const { reply, url } = await this.follow(authorize, SPA.redirectUri);
    const csrf = hiddenInput(reply.body, 'csrf');
    if (reply.status !== 200 || csrf === undefined) throw new Error(`no login page (${reply.status}) at ${url}`);
    return { url, csrf };
  }

  /** Posts one login attempt on a page from {@link openLoginPage}; returns the status (303 = logged in). */
  async login(page: { url: string; csrf: string }, username: string, password: string): Promise<number> {
    const reply = await this.request(page.url, { method: 'POST', form: { username, password, csrf: page.csrf } });
    return reply.status;
  }
}
