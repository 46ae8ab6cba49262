import type { Context, Next } from 'koa';
import { MAX_JSON_DEPTH, parseJson } from '../encoding/json.ts';
import { audienceToResource } from '../engine/audience.ts';
import { ROUTES } from '../engine/routes.ts';
import { AuthmeshError } from '../errors.ts';
import type { TenantRegistry } from '../tenant/registry.ts';
import { BodyError, handOverFormBody, readBody } from './body.ts';
import { expandAuthorizationForMrrt, holdRefreshScope } from './mrrt.ts';

/**
 * Translates Auth0's request dialect into the engine's, before the engine sees the request:
 * - `audience` (or a raw RFC 8707 `resource`) becomes a wrapped resource indicator at /authorize,
 *   /oauth/token and /oauth/revoke (`audience` wins when both are sent, as at Auth0);
 * - JSON bodies are accepted at /oauth/token and /oauth/revoke (the engine reads only urlencoded);
 * - JSON arrays for `scope` are joined, as Auth0 accepts both.
 */
export function createAuth0Requests(registry: TenantRegistry) {
  return async function auth0Requests(ctx: Context, next: Next): Promise<void> {
    if (ctx.method === 'GET' && ctx.path === ROUTES.authorization) rewriteAuthorizeQuery(ctx, registry);
    else if (ctx.method === 'POST' && !(await rewriteBody(ctx))) return;
    await next();
  };
}

function rewriteAuthorizeQuery(ctx: Context, registry: TenantRegistry): void {
  const params = new URLSearchParams(ctx.querystring);
  rewriteAudience(params);
  expandAuthorizationForMrrt(params, registry);
  ctx.querystring = params.toString();
}

/** Duplicated parameters are left alone: the engine rejects them. */
function rewriteAudience(params: URLSearchParams): void {
  const audiences = params.getAll('audience');
  const resources = params.getAll('resource');
  if (audiences.length > 1) return;
  const audience = audiences[0] ?? (resources.length === 1 ? resources[0] : undefined);
  params.delete('audience');
  if (audience === undefined || audience === '') return;
  params.set('resource', audienceToResource(audience));
}

/** Returns false when it answered the request itself (body too large or not a JSON object). */
async function rewriteBody(ctx: Context): Promise<boolean> {
  const type = ctx.request.type;
  if (type !== 'application/json' && type !== 'application/x-www-form-urlencoded') return true;
  let raw: Buffer;
  try {
    raw = await readBody(ctx.req);
  } catch (error) {
    if (error instanceof BodyError) return reject(ctx, error.status, 'invalid_request', error.message);
    throw error;
  }
  const params = type === 'application/json' ? jsonToParams(raw) : new URLSearchParams(raw.toString('utf8'));
  if (typeof params === 'string') return reject(ctx, 400, 'invalid_request', params);
  rewriteAudience(params);
  if (ctx.path === ROUTES.token) holdRefreshScope(ctx, params);
  handOverFormBody(ctx, params);
  return true;
}

/**
 * A JSON body's parameters as the engine gets them (a `scope` array joined, other values as text), or why it
 * cannot have any. The client-credentials fast path reads JSON bodies with this too.
 */
export function jsonToParams(raw: Buffer): URLSearchParams | string {
  let parsed: unknown;
  try {
    parsed = parseJson(raw.toString('utf8'));
  } catch (error) {
    if (error instanceof AuthmeshError && error.code === 'ERR_JSON_TOO_DEEP') {
      return `request body is nested deeper than ${MAX_JSON_DEPTH} levels`;
    }
    return 'request body is not valid JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return 'request body is not a JSON object';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(parsed)) {
    if (value === undefined || value === null) continue;
    if (key === 'scope' && Array.isArray(value)) params.set(key, value.map(String).join(' '));
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      params.set(key, String(value));
    } else {
      params.set(key, JSON.stringify(value));
    }
  }
  return params;
}

/** Answers in OAuth's JSON error shape directly; the engine never sees the request. */
function reject(ctx: Context, status: number, error: string, description: string): false {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error, error_description: description };
  return false;
}
