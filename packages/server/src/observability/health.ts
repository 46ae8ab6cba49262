import type { Context, Next } from 'koa';

/** Liveness: the process answers HTTP. */
export const HEALTHZ_PATH = '/healthz';
/** Readiness: the process can serve the tenant now. */
export const READYZ_PATH = '/readyz';

/** Why the tenant is not ready, one word per check that failed; empty when ready. */
export type ReadinessCheck = () => Promise<string[]>;

/**
 * `GET /healthz` answers 200 while the process runs; `GET /readyz` answers 200 when every readiness check
 * passes and 503 with the failed checks otherwise, for a load balancer to stop routing to this process
 * (a database out of reach, or a process draining before it stops). Neither reveals anything else.
 */
export function createHealthRoutes(ready: ReadinessCheck) {
  return async function healthRoutes(ctx: Context, next: Next): Promise<void> {
    if (ctx.path !== HEALTHZ_PATH && ctx.path !== READYZ_PATH) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, HEAD');
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    if (ctx.path === HEALTHZ_PATH) {
      ctx.body = { status: 'ok' };
      return;
    }
    const failed = await ready();
    ctx.status = failed.length === 0 ? 200 : 503;
    ctx.body = failed.length === 0 ? { status: 'ready' } : { status: 'not_ready', failed };
  };
}

/** Resolves with `true` when `check` resolves in time, `false` when it rejects or takes longer than `ms`. */
export async function passesWithin(check: () => Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([check().then(() => true as const), late]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
