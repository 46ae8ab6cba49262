import { resourceToAudience } from '../engine/audience.ts';
import type { TenantContext } from '../tenant/context.ts';
import { authorizationRefusalReason } from './plain-reasons.ts';

/** The parts of the engine's request context a refused authorization reads. */
interface AuthorizationContext {
  ip?: string;
  status?: number;
  oidc?: { params?: Record<string, unknown>; client?: { clientId?: string } };
  query?: Record<string, unknown>;
}

/**
 * Publishes the engine's refused /authorize requests (`authorization.error`: a redirect_uri not among the
 * callbacks, an unknown client, silent authentication without a session, an Action's deny) to the activity
 * feed with the reason in plain words. Builds nothing while no console listens.
 */
export function publishAuthorizationRefusals(
  engine: { on(event: 'authorization.error', listener: (ctx: AuthorizationContext, error: Error) => void): unknown },
  tenant: TenantContext,
): void {
  engine.on('authorization.error', (ctx, error) => {
    tenant.activity.publish(() => {
      const params = ctx.oidc?.params ?? ctx.query ?? {};
      const text = (name: string): string | undefined => {
        const value = params[name];
        return typeof value === 'string' && value !== '' ? value : undefined;
      };
      const resource = text('resource');
      const audience = text('audience') ?? (resource === undefined ? undefined : resourceToAudience(resource));
      const clientId = ctx.oidc?.client?.clientId ?? text('client_id');
      const redirectUri = text('redirect_uri');
      const oauth = error as Error & { error?: unknown; error_description?: unknown; statusCode?: unknown };
      return {
        type: 'refusal',
        source: 'authorize',
        status: typeof oauth.statusCode === 'number' ? oauth.statusCode : (ctx.status ?? 400),
        error: typeof oauth.error === 'string' ? oauth.error : 'error',
        ...(typeof oauth.error_description === 'string' ? { error_description: oauth.error_description } : {}),
        reason: authorizationRefusalReason(
          {
            error: oauth,
            ...(clientId === undefined ? {} : { clientId }),
            ...(redirectUri === undefined ? {} : { redirectUri }),
            ...(audience === undefined ? {} : { audience }),
          },
          tenant.registry,
        ),
        ...(clientId === undefined ? {} : { client_id: clientId }),
        ...(audience === undefined ? {} : { audience }),
        ...(ctx.ip ? { ip: ctx.ip } : {}),
      };
    });
  });
}
