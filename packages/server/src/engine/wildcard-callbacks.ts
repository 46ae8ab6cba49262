import type Provider from 'oidc-provider';
import { matchesRegisteredUrl } from '../config/wildcard-urls.ts';

/**
 * Makes `/authorize` accept a `redirect_uri` that a wildcard callback allows, as Auth0 matches its
 * Allowed Callback URLs (https://auth0.com/docs/get-started/applications/wildcards-for-subdomains:
 * one subdomain level in place of the `*`, everything else exact). The engine compares redirect URIs by
 * exact string; its client method `redirectUriAllowed` is what its documentation's redirect-URI recipes
 * override. What the engine allows itself (exact matches, native loopback ports) stays allowed.
 */
export function matchCallbacksAsAuth0(provider: Provider): void {
  const prototype = provider.Client.prototype as unknown as {
    redirectUris?: string[];
    redirectUriAllowed(value: string): boolean;
  };
  const engineAllows = prototype.redirectUriAllowed;
  prototype.redirectUriAllowed = function redirectUriAllowed(value: string): boolean {
    if (engineAllows.call(this, value)) return true;
    return (this.redirectUris ?? []).some(
      (registered) => registered.includes('*') && matchesRegisteredUrl(registered, value),
    );
  };
}
