import type { Context, Next } from 'koa';
import { ENGINE_PATH_PREFIXES, ENGINE_PATHS } from '../engine/routes.ts';

/** A Koa middleware of the tenant: it may answer, or call `next` to pass the request on. */
export type Handler = (ctx: Context, next: Next) => Promise<void>;

/**
 * The tenant's path table. A request whose path is in the table runs that path's handlers in order, and
 * then, if the last one calls `next`, the engine; any other path goes to the engine untouched.
 *
 * The engine's router also answers other spellings of its paths (any letter case, a trailing slash:
 * `/OAUTH/TOKEN`, `/oauth/token/`), which would reach it without the handlers that guard the canonical
 * path (the client-secret throttle, the web_message origin check). Those spellings get 404 here, as
 * Auth0 gives them, so every engine path has exactly one way in.
 */
export function createRouter(routes: Record<string, readonly Handler[]>): Handler {
  const table = new Map(Object.entries(routes).map(([path, handlers]) => [path, chain(handlers)]));
  const canonical = new Map([...ENGINE_PATHS, ...table.keys()].map((path) => [fold(path), path]));
  return function route(ctx: Context, next: Next): Promise<void> {
    const handler = table.get(ctx.path);
    if (handler) return handler(ctx, next);
    if (isAlias(ctx.path, canonical)) {
      ctx.status = 404;
      ctx.body = { error: 'not_found', error_description: 'Not Found' };
      return Promise.resolve();
    }
    return next();
  };
}

/** True when the engine would serve `path` as one of the canonical paths, though it is spelled otherwise. */
function isAlias(path: string, canonical: Map<string, string>): boolean {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const known = canonical.get(fold(trimmed));
  if (known !== undefined) return known !== path;
  // `/authorize/:uid`: the parameter may be spelled any way, the fixed part only one way.
  for (const prefix of ENGINE_PATH_PREFIXES) {
    if (fold(path.slice(0, prefix.length)) === fold(prefix) && !path.startsWith(prefix)) return true;
  }
  return false;
}

/**
 * Letter case as the engine's router folds it (oidc-provider 9.13.3 `lib/helpers/router.js`): upper
 * case, except that characters outside ASCII that would fold into ASCII (`ı` → `I`, `ſ` → `S`) stay,
 * so no exotic spelling slips past the comparison.
 */
function fold(value: string): string {
  let out = '';
  for (const char of value) {
    const upper = char.toUpperCase();
    out +=
      upper.length === 1 && !((char.codePointAt(0) ?? 0) > 127 && (upper.codePointAt(0) ?? 0) < 128) ? upper : char;
  }
  return out;
}

/** Runs handlers in order, each passing on with `next`, the last one to the engine. */
function chain(handlers: readonly Handler[]): Handler {
  return function run(ctx: Context, next: Next): Promise<void> {
    const step = (i: number): Promise<void> => {
      const handler = handlers[i];
      return handler ? handler(ctx, () => step(i + 1)) : next();
    };
    return step(0);
  };
}
