import type { Context } from 'koa';

/**
 * Headers every response of the tenant carries, and stricter ones for HTML pages: no framing
 * (clickjacking, checklist AS-I1), no scripts or external resources, no referrer leaking `state`.
 */
export function applySecurityHeaders(ctx: Context): void {
  ctx.set('X-Content-Type-Options', 'nosniff');
  // same-origin (not no-referrer): browsers then still send a real Origin on the login form's POST.
  ctx.set('Referrer-Policy', 'same-origin');
  const type = ctx.response.get('Content-Type');
  if (typeof type === 'string' && type.startsWith('text/html') && !ctx.response.get('Content-Security-Policy')) {
    ctx.set('Content-Security-Policy', HTML_POLICY);
    ctx.set('X-Frame-Options', 'DENY');
  }
}

/** Pages use inline styles only: no scripts, no external resources, never framed. */
const HTML_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";
