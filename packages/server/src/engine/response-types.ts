import type Provider from 'oidc-provider';
import type { ResponseType } from 'oidc-provider';
import type { ClientRecord } from '../tenant/records.ts';

/**
 * The `response_type` values the tenant serves, as Auth0 serves them to regular web apps: `code` (PKCE
 * stays required), and the ID token from /authorize for clients with the `implicit` grant, alone
 * (express-openid-connect's default, with `response_mode=form_post`) or with a code (hybrid). No
 * access token is ever issued from /authorize (`token`): Auth0 discourages it, and SDKs that need one
 * use the code flow.
 */
export const RESPONSE_TYPES: ResponseType[] = ['code', 'id_token', 'code id_token'];

/** The response types one client may use: what its grant types allow. */
export function responseTypesOf(client: Pick<ClientRecord, 'grant_types'>): ResponseType[] {
  const code = client.grant_types.includes('authorization_code');
  const idToken = client.grant_types.includes('implicit');
  return RESPONSE_TYPES.filter(
    (type) => (type.includes('code') ? code : true) && (type.includes('id_token') ? idToken : true),
  );
}

/**
 * The engine refuses implicit-flow clients whose callbacks are `http:` or on `localhost` (OpenID
 * Connect Registration's advice for public deployments). Auth0 accepts both, and a development tenant
 * serves apps on http://localhost; the engine names these two checks so that they can be waived, as
 * its documentation's recipe for development does. Every other metadata check stays.
 */
export function allowImplicitCallbacksOnLocalHttp(provider: Provider): void {
  const schema = (provider.Client as unknown as { Schema: { prototype: { invalidate(m: string, c?: string): void } } })
    .Schema.prototype;
  const invalidate = schema.invalidate;
  schema.invalidate = function invalidateUnlessLocalImplicit(message: string, code?: string): void {
    if (code === 'implicit-force-https' || code === 'implicit-forbid-localhost') return;
    invalidate.call(this, message, code);
  };
}
