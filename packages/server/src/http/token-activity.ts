import type { Context } from 'koa';
import { resourceToAudience } from '../engine/audience.ts';
import { PASSWORD_GRANT, PASSWORD_REALM_GRANT } from '../engine/password-grant.ts';
import { requestState } from '../engine/request-state.ts';
import { ROUTES } from '../engine/routes.ts';
import type { ActivityPayload } from '../tenant/activity.ts';
import type { TenantContext } from '../tenant/context.ts';
import { tokenActivity } from '../tenant/token-activity.ts';
import { loginFailureReason, refusalReason } from './plain-reasons.ts';

/*
 * The activity events of /oauth/token and /oauth/revoke (the console's live stream): issued tokens,
 * refresh-token rotations, password-grant logins from the engine's `grant.success`; refusals, refresh-token
 * reuse and failed password-grant logins from the edge, once Auth0's answer is decided. Each publish is
 * `tenant.activity.publish(() => …)`: with no console open nothing below runs past one property read.
 */

/** The parts of the engine's request context these events read. */
interface EngineContext {
  ip?: string;
  body?: unknown;
  status?: number;
  req?: { body?: Record<string, unknown> };
  oidc?: {
    params?: Record<string, unknown>;
    client?: { clientId?: string };
    entities?: {
      Account?: { accountId?: string };
      RotatedRefreshToken?: unknown;
      RefreshToken?: { consumed?: unknown };
    };
  };
}

const PASSWORD_GRANTS: ReadonlySet<string> = new Set([PASSWORD_GRANT, PASSWORD_REALM_GRANT]);

/** Publishes the engine's successful token requests: the token, and the rotation or login it came with. */
export function publishTokenActivity(
  engine: { on(event: 'grant.success', listener: (ctx: EngineContext) => void): unknown },
  tenant: TenantContext,
): void {
  const feed = tenant.activity;
  engine.on('grant.success', (ctx) => {
    if (!feed.listening) return;
    const request = requestOf(ctx);
    const body = ctx.body as { access_token?: unknown; scope?: unknown; expires_in?: unknown } | undefined;
    const accessToken = body?.access_token;
    if (typeof accessToken !== 'string' || request.clientId === undefined) return;
    const clientId = request.clientId;
    if (request.grantType !== undefined && PASSWORD_GRANTS.has(request.grantType)) {
      feed.publish(() => ({
        type: 'login',
        outcome: 'success',
        client_id: clientId,
        ...optional('user_id', ctx.oidc?.entities?.Account?.accountId),
        ...optional('username', request.username),
        ...optional('ip', ctx.ip),
      }));
    }
    if (request.grantType === 'refresh_token') {
      const overlap = requestState(ctx).keepRefreshToken === true;
      const rotated = ctx.oidc?.entities?.RotatedRefreshToken !== undefined;
      if (overlap || rotated) {
        feed.publish(() => ({
          type: 'refresh',
          outcome: overlap ? 'overlap' : 'rotated',
          client_id: clientId,
          ...optional('user_id', ctx.oidc?.entities?.Account?.accountId),
          ...optional('audience', request.audience),
        }));
      }
    }
    feed.publish(() =>
      tokenActivity({
        grantType: request.grantType ?? 'unknown',
        clientId,
        accessToken,
        ...(typeof body?.scope === 'string' ? { scope: body.scope } : {}),
        ...(typeof body?.expires_in === 'number' ? { expiresIn: body.expires_in } : {}),
        ...(ctx.ip ? { ip: ctx.ip } : {}),
        includeToken: feed.includeTokens,
      }),
    );
  });
}

/**
 * Publishes a refused request at /oauth/token or /oauth/revoke, after the edge set Auth0's answer (call
 * it only for a status ≥ 400 there): the refusal with its plain reason, plus the refresh-token reuse or
 * the failed password login it was.
 */
export function publishTokenRefusal(ctx: Context, tenant: TenantContext): void {
  const feed = tenant.activity;
  if (!feed.listening) return;
  const engineCtx = ctx as unknown as EngineContext;
  const asked = requestOf(engineCtx);
  // A client-credentials request without an audience is for the tenant's default audience, when it has one.
  const fallback = asked.grantType === 'client_credentials' ? tenant.settings.default_audience : undefined;
  const request = { ...asked, ...optional('audience', asked.audience ?? fallback) };
  const answer = (ctx.body ?? {}) as { error?: unknown; error_description?: unknown };
  const error = typeof answer.error === 'string' ? answer.error : 'error';
  const description = typeof answer.error_description === 'string' ? answer.error_description : undefined;
  const reused = request.grantType === 'refresh_token' && Boolean(engineCtx.oidc?.entities?.RefreshToken?.consumed);
  const engineError = requestState(ctx).engineError;
  const ip = ctx.request.ip;
  if (reused) {
    feed.publish(() => ({
      type: 'refresh',
      outcome: 'reuse_detected',
      ...optional('client_id', request.clientId),
      ...optional('audience', request.audience),
    }));
  }
  if (request.grantType !== undefined && PASSWORD_GRANTS.has(request.grantType)) {
    const outcome = ctx.status === 429 ? 'throttled' : error === 'invalid_grant' ? 'wrong_credentials' : undefined;
    if (outcome !== undefined) {
      feed.publish(() => ({
        type: 'login',
        outcome: 'failure',
        ...optional('client_id', request.clientId),
        ...optional('username', request.username),
        ...optional('reason', loginFailureReason(outcome)),
        ...optional('ip', ip),
      }));
    }
  }
  feed.publish(
    (): ActivityPayload => ({
      type: 'refusal',
      source: ctx.path === ROUTES.revocation ? 'revoke' : 'token',
      status: ctx.status,
      error,
      ...optional('error_description', description),
      reason: refusalReason(
        {
          ...(engineError === undefined ? {} : { engineError }),
          status: ctx.status,
          error,
          ...optional('description', description),
          ...optional('grantType', request.grantType),
          ...optional('clientId', request.clientId),
          ...optional('audience', request.audience),
          scope: request.scope,
          refreshTokenReused: reused,
        },
        tenant.registry,
      ),
      ...optional('client_id', request.clientId),
      ...optional('grant_type', request.grantType),
      ...optional('audience', request.audience),
      ...optional('ip', ip),
    }),
  );
}

interface TokenRequest {
  grantType?: string;
  clientId?: string;
  audience?: string;
  scope: string[];
  username?: string;
}

/** The request's parameters as the engine parsed them, or the raw form when the engine never saw it. */
function requestOf(ctx: EngineContext): TokenRequest {
  const params = ctx.oidc?.params ?? ctx.req?.body ?? {};
  const text = (name: string): string | undefined => {
    const value = params[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const resource = text('resource');
  const audience =
    text('audience') ?? (resource === undefined ? undefined : (resourceToAudience(resource) ?? resource));
  return {
    ...optional('grantType', text('grant_type')),
    ...optional('clientId', ctx.oidc?.client?.clientId ?? text('client_id')),
    ...optional('audience', audience),
    scope: (text('scope') ?? '').split(' ').filter((s) => s !== ''),
    ...optional('username', text('username')),
  };
}

/** `{ [key]: value }` when value is defined, else `{}` (exactOptionalPropertyTypes-friendly spreading). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
