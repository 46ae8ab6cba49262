import type { Context, Next } from 'koa';

/**
 * Headers every response of the tenant carries, and stricter ones for HTML pages: no framing
 * (clickjacking, checklist AS-I1), no scripts or external resources, no referrer leaking `state`.
 */
export async function securityHeaders(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } finally {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    if (ctx.response.is('html') && !ctx.response.get('Content-Security-Policy')) {
      ctx.set(
        'Content-Security-Policy',
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
      );
      ctx.set('X-Frame-Options', 'DENY');
    }
  }
}
