import type { Context, Next } from 'koa';
import type { FailureThrottle } from './failure-throttle.ts';

/**
 * Client-secret brute-force protection for /oauth/token and /oauth/revoke (checklist AS-D6): failed client
 * authentications are counted per (client_id, IP); a blocked pair gets 429 with `Retry-After` before the
 * engine checks anything, even with the right secret.
 */
export function createClientAuthGuard(
  throttle: FailureThrottle,
  translate: (ctx: Context, next: Next) => Promise<void>,
) {
  return async function clientAuthGuard(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'POST') return next();
    const ip = ctx.request.ip || 'unknown';
    const clientId = basicClientId(ctx.get('Authorization'));
    if (clientId !== undefined) {
      const verdict = throttle.check(clientId, ip);
      if (!verdict.allowed) return tooManyAttempts(ctx, verdict.retryAfterS);
    }
    await translate(ctx, async () => {
      const id = clientId ?? formClientId(ctx);
      if (id !== undefined) {
        const verdict = throttle.check(id, ip);
        if (!verdict.allowed) return tooManyAttempts(ctx, verdict.retryAfterS);
      }
      await next();
      // The engine answers a failed client authentication with 401 (before the Auth0 mapping).
      if (ctx.status === 401 && id !== undefined) throttle.recordFailure(id, ip);
    });
  };
}

function tooManyAttempts(ctx: Context, retryAfterS: number): void {
  ctx.status = 429;
  ctx.set('Retry-After', String(retryAfterS));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = {
    error: 'too_many_attempts',
    error_description: 'Too many failed client authentications. Try again later.',
  };
}

function basicClientId(header: string): string | undefined {
  if (!header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')).slice(0, 256);
  } catch {
    return undefined;
  }
}

function formClientId(ctx: Context): string | undefined {
  const body = (ctx.req as { body?: Record<string, unknown> }).body;
  const id = body?.client_id;
  return typeof id === 'string' ? id.slice(0, 256) : undefined;
}
