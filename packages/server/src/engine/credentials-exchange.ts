import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { AccessDeniedByAction } from '../actions/errors.ts';
import { eventClient, eventTenant } from '../actions/events.ts';
import type { ActionRunner } from '../actions/types.ts';
import type { TenantContext } from '../tenant/context.ts';
import { actionRequest } from './action-request.ts';
import { splitScope } from './scopes.ts';

/**
 * Runs credentials-exchange for an M2M token about to be issued and returns the claims to add. A deny
 * becomes the engine error whose class matches Auth0's OAuth code; http/auth0-token-errors.ts answers it.
 */
export async function runCredentialsExchange(
  ctx: KoaContextWithOIDC,
  tenant: TenantContext,
  actions: ActionRunner,
  audience: string,
  scopes: string[],
): Promise<Record<string, unknown>> {
  if (!actions.has('credentials-exchange')) return {};
  const client = ctx.oidc.client ? tenant.registry.client(ctx.oidc.client.clientId) : undefined;
  if (!client) return {};
  const requested = typeof ctx.oidc.params?.scope === 'string' ? splitScope(ctx.oidc.params.scope) : [];
  try {
    const result = await actions.credentialsExchange({
      client: eventClient(client),
      resource_server: { id: audience },
      request: actionRequest(ctx),
      transaction: { requested_scopes: requested },
      accessToken: { scope: scopes },
      tenant: eventTenant(tenant.settings.friendly_name),
    });
    return result.accessTokenClaims;
  } catch (error) {
    if (!(error instanceof AccessDeniedByAction)) throw error;
    // The OAuth code the action chose travels as the cause; http/auth0-token-errors.ts answers with it.
    const refusal = new errors.AccessDenied(error.reason);
    refusal.cause = error;
    throw refusal;
  }
}
