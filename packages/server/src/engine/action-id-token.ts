import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ActionRunner } from '../actions/types.ts';
import type { TenantContext } from '../tenant/context.ts';
import { postLoginForTokens } from './post-login.ts';

/**
 * ID tokens get the post-login actions' `api.idToken.setCustomClaim` claims. The engine filters an ID
 * token's claims by the scopes' claim lists, which a custom claim is never on; what it adds unfiltered is
 * the token's `set(key, value)` extras (how it adds `nonce` and `sid`), so the claims are set there, just
 * before an ID token (`use: 'idtoken'`, not userinfo or logout tokens) is issued.
 */
export function installIdTokenClaims(provider: Provider, tenant: TenantContext, actions: ActionRunner): void {
  type IdTokenInstance = { ctx?: KoaContextWithOIDC; set(key: string, value: unknown): void };
  const IdToken = provider.IdToken as unknown as {
    prototype: { issue(this: IdTokenInstance, options?: { use?: string }): Promise<string> };
  };
  const issue = IdToken.prototype.issue;
  IdToken.prototype.issue = async function issueWithActionClaims(this: IdTokenInstance, options) {
    if (options?.use === 'idtoken' && this.ctx && actions.has('post-login')) {
      const result = await postLoginForTokens(this.ctx, tenant, actions);
      for (const [name, value] of Object.entries(result?.idTokenClaims ?? {})) this.set(name, value);
    }
    return issue.call(this, options);
  };
}
