import { matchesRegisteredUrl } from '../config/wildcard-urls.ts';
import type { TenantContext } from '../tenant/context.ts';

/**
 * Whether a browser page of `origin` may read the answers the tenant gives to `clientId` (the engine's
 * `clientBasedCORS`, and the JWT path of `/userinfo`, which must agree with it): the client's Allowed
 * Origins (CORS), its Allowed Web Origins, and the origins of its callback URLs. The opaque `null`
 * origin of sandboxed frames and `file:` pages is never allowed.
 */
export function originAllowedForClient(tenant: TenantContext, origin: string, clientId: string): boolean {
  if (origin === 'null') return false;
  const record = tenant.registry.client(clientId);
  if (!record) return false;
  const callbackOrigins = record.callbacks.flatMap((uri) => URL.parse(uri)?.origin ?? []);
  // Wildcard subdomains (`https://*.example.com`) match as Auth0 matches them: one label for the `*`.
  return [...record.allowed_origins, ...record.web_origins, ...callbackOrigins].some((allowed) =>
    matchesRegisteredUrl(allowed, origin),
  );
}
