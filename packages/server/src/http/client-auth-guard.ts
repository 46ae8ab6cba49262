import type { Context, Next } from 'koa';
import type { FailureThrottle } from './failure-throttle.ts';

/**
 * Client-secret brute-force protection for /oauth/token and /oauth/revoke: failed client authentications
 * are counted per (client_id, IP); a blocked pair gets 429 with `Retry-After` before the engine checks
 * anything, even with the right secret (RFC 9700 §4.15 / RFC 6749 §10.10 ask for exactly this lever).
 * Runs after the Auth0 request translation, so the body's `client_id` is readable whatever the content type.
 */
export function createClientAuthGuard(throttle: FailureThrottle) {
  return async function clientAuthGuard(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'POST') return next();
    const ip = ctx.request.ip || 'unknown';
    // The engine takes the client from the body or from Basic credentials (and refuses a mismatch):
    // each candidate is checked, so neither spelling dodges the count.
    const ids = [...new Set([basicClientId(ctx.get('Authorization')), formClientId(ctx)])].filter(
      (id): id is string => id !== undefined,
    );
    for (const id of ids) {
      const verdict = await throttle.check(id, ip);
      if (!verdict.allowed) return tooManyAttempts(ctx, verdict.retryAfterS);
    }
    await next();
    // The engine answers a failed client authentication with 401 (before the Auth0 mapping).
    if (ctx.status === 401) for (const id of ids) await throttle.recordFailure(id, ip);
  };
}

function tooManyAttempts(ctx: Context, retryAfterS: number): void {
  ctx.status = 429;
  ctx.set('Retry-After', String(retryAfterS));
  ctx.body = {
    error: 'too_many_attempts',
    error_description: 'Too many failed client authentications. Try again later.',
  };
}

/** The client id of `Authorization: Basic …`; the scheme is case-insensitive (RFC 9110 §11.1), as in the engine. */
function basicClientId(header: string): string | undefined {
  const [scheme, credentials, ...rest] = header.split(' ');
  if (scheme?.toLowerCase() !== 'basic' || credentials === undefined || rest.length > 0) return undefined;
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
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
