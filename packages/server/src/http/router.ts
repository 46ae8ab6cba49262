import type { Context, Next } from 'koa';
import { ROUTES } from '../engine/provider.ts';

type Handler = (ctx: Context, next: Next) => Promise<void>;

/**
 * Dispatches the tenant's own routes (and its request translations in front of engine routes) by exact
 * path, so each request runs at most one of them; everything else goes straight to the engine.
 */
export function createRouter(routes: Record<string, Handler>): Handler {
  const table = new Map(Object.entries(routes));
  return function route(ctx: Context, next: Next): Promise<void> {
    const handler = table.get(ctx.path);
    return handler ? handler(ctx, next) : next();
  };
}

export { ROUTES };
