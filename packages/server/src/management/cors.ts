import type { Context } from 'koa';
import type { TenantRegistry } from '../tenant/registry.ts';

/**
 * CORS for `/api/v2`, so an SPA can use its self-service token (`read:current_user`,
 * `update:current_user_metadata`) from the browser, as with Auth0. Only origins an application of this
 * tenant registered (`web_origins` / `allowed_origins`) are allowed, echoed exactly, never `*`; no cookies
 * are involved (bearer tokens only), so credentials are not allowed.
 *
 * @returns true when the request was a preflight and has been answered.
 */
export function applyManagementCors(ctx: Context, registry: TenantRegistry): boolean {
  const origin = ctx.get('Origin');
  if (!origin || !allowedOrigin(registry, origin)) return false;
  ctx.set('Access-Control-Allow-Origin', origin);
  ctx.vary('Origin');
  ctx.set('Access-Control-Expose-Headers', 'X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After');
  if (ctx.method !== 'OPTIONS' || !ctx.get('Access-Control-Request-Method')) return false;
  ctx.set('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
  ctx.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, Auth0-Client');
  ctx.set('Access-Control-Max-Age', '600');
  ctx.status = 204;
  return true;
}

function allowedOrigin(registry: TenantRegistry, origin: string): boolean {
  return registry
    .clients()
    .some((client) => client.web_origins.includes(origin) || client.allowed_origins.includes(origin));
}
