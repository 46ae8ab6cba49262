import type { Grant, KoaContextWithOIDC } from 'oidc-provider';
import type { ActionRunner } from '../actions/types.ts';
import type { TenantContext } from '../tenant/context.ts';
import { accountUser } from './accounts.ts';
import { resourceToAudience } from './audience.ts';
import { runPostLoginAtAuthorize } from './post-login.ts';
import { OIDC_SCOPES, splitScope } from './scopes.ts';

/** Where a user's consent to a third-party application is remembered (written by login/consent.ts). */
export function consentKey(accountId: string, clientId: string): string {
  return `consent:${accountId}:${clientId}`;
}

/**
 * `loadExistingGrant`: Auth0 never asks first-party applications for consent, so the grant is extended
 * to whatever the request asks for (within the API's scopes, and the user's permissions under RBAC) and
 * saved before the engine checks for missing consent. Without this, every new audience would need a
 * consent screen, and `prompt=none` for a second API would fail with `consent_required`.
 * Once the grant is saved, the login is recorded and the post-login actions run (engine/post-login.ts).
 */
export function createLoadExistingGrant(tenant: TenantContext, actions?: ActionRunner) {
  return async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
    const { client, session, params, provider } = ctx.oidc;
    const accountId = session?.accountId;
    if (!client || !session || !accountId) return undefined;
    // One grant per authorization (not per session): a grant is a refresh-token family, and revoking
    // one login's refresh token must not revoke another login's (Auth0 revokes only that family).
    const grantId = ctx.oidc.result?.consent?.grantId;
    // Third-party applications get nothing until the user consented (login/consent.ts), as on Auth0;
    // without a grant the engine asks for consent.
    if (tenant.registry.client(client.clientId)?.is_first_party === false && grantId === undefined) {
      if ((await tenant.storage.getState(consentKey(accountId, client.clientId))) !== true) return undefined;
    }
    const existing = grantId ? await provider.Grant.find(grantId) : undefined;
    const grant =
      existing && existing.accountId === accountId && existing.clientId === client.clientId
        ? existing
        : new provider.Grant({ accountId, clientId: client.clientId });

    const requested = typeof params?.scope === 'string' ? splitScope(params.scope) : [];
    const oidc = requested.filter((s) => OIDC_SCOPES.has(s));
    if (oidc.length > 0) grant.addOIDCScope(oidc.join(' '));
    // Scopes nobody will grant (not on the API, or not held under RBAC) are recorded as rejected: Auth0
    // drops them silently, and a scope that is neither granted nor rejected would ask for consent.
    const unknown = requested.filter((s) => !OIDC_SCOPES.has(s));

    const user = accountUser(ctx.oidc.entities.Account);
    // The first resource is the requested audience; any others were added for MRRT policies, and get only
    // the scopes their policy names (see http/mrrt.ts).
    const primary = [params?.resource].flat()[0];
    for (const [resource, server] of Object.entries(ctx.oidc.resourceServers ?? {})) {
      const audience = resourceToAudience(resource);
      const api = audience === undefined ? undefined : tenant.registry.resourceServer(audience);
      if (!api || audience === undefined) continue;
      const allowed = new Set(splitScope(server.scope));
      const policy =
        resource === primary ? undefined : new Set(tenant.registry.mrrtPolicyScopes(client.clientId, audience));
      let scopes = requested.filter((s) => allowed.has(s) && (policy === undefined || policy.has(s)));
      if (api.enforce_policies && user) {
        const held = new Set(tenant.registry.permissionsOf(user, audience));
        scopes = scopes.filter((s) => held.has(s));
      }
      // An empty resource scope still records that the audience was granted.
      grant.addResourceScope(resource, scopes.join(' '));
      const refused = unknown.filter((s) => !scopes.includes(s));
      if (refused.length > 0) grant.rejectResourceScope(resource, refused.join(' '));
    }
    await grant.save();
    // Auth0 counts the login and runs post-login here: the user is authenticated, the code not issued yet
    // (silent auth too).
    await runPostLoginAtAuthorize(ctx, tenant, actions, grant);
    return grant;
  };
}

/**
 * The engine drops `offline_access` unless `prompt=consent` was sent (an OpenID Connect Core rule);
 * Auth0 and its SDKs never send it. This `extraParams` validator runs after that rule and restores the
 * scope for clients allowed to hold refresh tokens. Whether a token is then issued is decided by
 * `issueRefreshToken` (the API must allow offline access).
 */
export async function restoreOfflineAccess(ctx: KoaContextWithOIDC): Promise<void> {
  const { client, params } = ctx.oidc;
  if (!client || !params || ctx.oidc.route !== 'authorization') return;
  const raw = ctx.method === 'POST' ? (ctx.oidc.body as Record<string, unknown> | undefined)?.scope : ctx.query.scope;
  if (typeof raw !== 'string' || !splitScope(raw).includes('offline_access')) return;
  if (!client.grantTypeAllowed('refresh_token')) return;
  const scopes = typeof params.scope === 'string' ? splitScope(params.scope) : [];
  if (!scopes.includes('offline_access')) params.scope = [...scopes, 'offline_access'].join(' ');
}
