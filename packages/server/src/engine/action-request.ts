import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ActionRequest } from '../actions/types.ts';
import { resourceToAudience } from './audience.ts';

/** `event.request` from the engine's request. */
export function actionRequest(ctx: KoaContextWithOIDC): ActionRequest {
  const language = ctx.get('accept-language').split(',')[0]?.split(';')[0]?.trim();
  const body = ctx.oidc.body as Record<string, unknown> | undefined;
  return {
    ip: ctx.ip,
    hostname: ctx.hostname,
    ...(ctx.get('user-agent') ? { user_agent: ctx.get('user-agent') } : {}),
    method: ctx.method,
    query: requestQuery(ctx),
    // Auth0 never shows secrets of the token request to an action.
    body: body ? Object.fromEntries(Object.entries(body).filter(([k]) => !SECRET_FIELDS.has(k))) : {},
    geoip: {},
    ...(language ? { language } : {}),
  };
}

/**
 * Auth0's `event.request.query` at a login is the authorization request's parameters as the application sent
 * them, also when the engine resumes it after the login page (`/authorize/:uid`, whose own query is empty).
 */
function requestQuery(ctx: KoaContextWithOIDC): Record<string, unknown> {
  if (ctx.oidc.route !== 'authorization' && ctx.oidc.route !== 'resume') return { ...ctx.query };
  const params = (ctx.oidc.params ?? {}) as Record<string, unknown>;
  const query = Object.fromEntries(
    Object.entries(params).filter(([k, v]) => v !== undefined && k !== 'resource' && !k.startsWith('authmesh_')),
  );
  // The application sent Auth0's `audience`; the Auth0 layer handed it to the engine as `resource`.
  const first = [params.resource].flat()[0];
  const audience = typeof first === 'string' ? resourceToAudience(first) : undefined;
  return audience === undefined ? query : { ...query, audience };
}

const SECRET_FIELDS = new Set([
  'client_secret',
  'password',
  'refresh_token',
  'code',
  'code_verifier',
  'client_assertion',
]);
