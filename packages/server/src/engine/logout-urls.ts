import type Provider from 'oidc-provider';
import { matchesRegisteredUrl } from '../config/wildcard-urls.ts';

/** An http(s) URL that is only an origin: nothing after the authority, not even `/`. */
const BARE_ORIGIN = /^https?:\/\/[^/?#]+$/i;

/** The same URL with its empty path written as `/` (RFC 3986 §6.2.3: `http://a` and `http://a/` are one URL). */
function withRootPath(url: string): string {
  return BARE_ORIGIN.test(url) ? `${url}/` : url;
}

/**
 * Whether `actual` is one of the Allowed Logout URLs, matched as Auth0 matches them
 * (https://auth0.com/docs/authenticate/login/logout/redirect-users-after-logout): exactly, or through
 * a wildcard subdomain; and an origin without a path is the same URL with `/`. So `http://localhost:3000`
 * (what express-openid-connect and nextjs-auth0 send: their base URL) matches `http://localhost:3000/`
 * and the other way round, while a path keeps its exact spelling (`/app` is not `/app/`).
 */
export function logoutUrlAllowed(allowed: readonly string[], actual: string): boolean {
  const candidate = withRootPath(actual);
  return allowed.some((registered) => matchesRegisteredUrl(withRootPath(registered), candidate));
}

/**
 * Makes the engine's `/oidc/logout` check `post_logout_redirect_uri` with `logoutUrlAllowed` (the
 * client method its documentation's redirect-URI recipes override); what the engine allows itself
 * stays allowed.
 */
export function matchLogoutUrlsAsAuth0(provider: Provider): void {
  const prototype = provider.Client.prototype as unknown as {
    postLogoutRedirectUris?: string[];
    postLogoutRedirectUriAllowed(value: string): boolean;
  };
  const engineAllows = prototype.postLogoutRedirectUriAllowed;
  prototype.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(value: string): boolean {
    return engineAllows.call(this, value) || logoutUrlAllowed(this.postLogoutRedirectUris ?? [], value);
  };
}
