import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { TenantContext } from '../tenant/context.ts';

/**
 * `extraParams` validator of `connection`: Auth0 sends the browser to that connection directly, and
 * refuses a connection that does not exist or is not enabled for the client ("the connection is not
 * enabled"), redirecting the error to the application as for any invalid /authorize request.
 */
export function createConnectionParam(tenant: TenantContext) {
  return async function connectionParam(ctx: KoaContextWithOIDC, value: string | undefined): Promise<void> {
    if (value === undefined || value === '') return;
    const client = ctx.oidc.client;
    if (!client) return;
    const connection = tenant.registry.connection(value);
    if (!connection) throw new errors.InvalidRequest('the connection was not found');
    const enabled = connection.enabled_clients === null || connection.enabled_clients.includes(client.clientId);
    if (!enabled) throw new errors.InvalidRequest('the connection is not enabled');
  };
}

/** `screen_hint` needs no check: any value other than `signup` shows the login view, as on Auth0. */
export async function screenHintParam(): Promise<void> {}
