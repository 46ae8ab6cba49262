import { createHash } from 'node:crypto';
import type { TenantContext } from '../tenant/context.ts';

/*
 * Auth0's global client ("All Applications"): every Auth0 tenant has one, `GET /clients?is_global=true`
 * finds it, and the Deploy CLI's `pages` handler refuses to export without it (it reads the custom login
 * page from it). In authmesh it is a read-only stand-in: it is not in the registry, so it cannot log in,
 * get a token or be granted anything, and it has no secret. Its id is derived from the issuer so that it
 * is the same on every start (an export diffed against the previous one stays quiet) and differs between
 * tenants, as Auth0's does.
 */

/** The name Auth0 gives the global client. */
export const GLOBAL_CLIENT_NAME = 'All Applications';

/** The global client's id on this tenant: 32 characters like Auth0's client ids, stable per issuer. */
export function globalClientId(tenant: TenantContext): string {
  return createHash('sha256').update(`authmesh global client ${tenant.issuer}`).digest('base64url').slice(0, 32);
}

/** The global client as Auth0 lists it (no custom login page: authmesh serves its own). */
export function globalClientView(tenant: TenantContext): Record<string, unknown> {
  return {
    client_id: globalClientId(tenant),
    name: GLOBAL_CLIENT_NAME,
    global: true,
    is_first_party: true,
    callbacks: [],
    allowed_origins: [],
    web_origins: [],
    allowed_logout_urls: [],
    oidc_conformant: false,
    sso_disabled: false,
    cross_origin_authentication: false,
    custom_login_page_on: false,
  };
}
