import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import { ENGINE_AUTO_SUBMIT_SCRIPT } from '../engine/auto-submit.ts';

/**
 * The headers every response carries, in the order they are set (the client-credentials fast path, which
 * answers in front of Koa, writes them from here too).
 */
export const EVERY_RESPONSE_HEADERS: readonly (readonly [string, string])[] = [
  ['X-Content-Type-Options', 'nosniff'],
  // same-origin (not no-referrer): browsers then still send a real Origin on the login form's POST.
  ['Referrer-Policy', 'same-origin'],
];

/**
 * Headers every response of the tenant carries, and stricter ones for HTML pages: no framing
 * (clickjacking, RFC 9700 §4.16), no scripts but the engine's own auto-submit, no external resources,
 * no referrer leaking `state`. See docs/security.md, "Pages and headers".
 */
export function applySecurityHeaders(ctx: Context): void {
  for (const [name, value] of EVERY_RESPONSE_HEADERS) ctx.set(name, value);
  const type = ctx.response.get('Content-Type');
  if (typeof type === 'string' && type.startsWith('text/html') && !ctx.response.get('Content-Security-Policy')) {
    ctx.set('Content-Security-Policy', htmlPolicy(ctx.body));
    ctx.set('X-Frame-Options', 'DENY');
  }
}

/**
 * The engine adds the auto-submit script's hash to `script-src` only when a policy with `script-src`
 * exists before it renders, and this policy is set after; so the hash is allowed here, by exact text:
 * any other inline script, injected or not, stays blocked.
 */
const AUTO_SUBMIT_ELEMENT = `<script>${ENGINE_AUTO_SUBMIT_SCRIPT}</script>`;
const AUTO_SUBMIT_SOURCE = `'sha256-${createHash('sha256').update(ENGINE_AUTO_SUBMIT_SCRIPT).digest('base64')}'`;

/** Pages use inline styles only: no external resources, never framed. */
const HTML_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

/** The page policy; a page that carries the engine's auto-submit may run exactly that script. */
function htmlPolicy(body: unknown): string {
  if (typeof body === 'string' && body.includes(AUTO_SUBMIT_ELEMENT)) {
    return `${HTML_POLICY}; script-src ${AUTO_SUBMIT_SOURCE}`;
  }
  return HTML_POLICY;
}
