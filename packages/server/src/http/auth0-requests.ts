import type { Context, Next } from 'koa';
import { audienceToResource } from '../engine/audience.ts';
import { ROUTES } from '../engine/provider.ts';
import { BodyError, handOverFormBody, readBody } from './body.ts';
import type { FailureThrottle } from './failure-throttle.ts';

/**
 * Translates Auth0's request dialect into the engine's, before the engine sees the request:
 * - `audience` (or a raw RFC 8707 `resource`) becomes a wrapped resource indicator at /authorize,
 *   /oauth/token and /oauth/revoke (`audience` wins when both are sent, as at Auth0);
 * - JSON bodies are accepted at /oauth/token and /oauth/revoke (the engine reads only urlencoded);
 * - JSON arrays for `scope` are joined, as Auth0 accepts both.
 */
export async function auth0Requests(ctx: Context, next: Next): Promise<void> {
  if (ctx.method === 'GET' && ctx.path === ROUTES.authorization) rewriteAuthorizeQuery(ctx);
  else if (ctx.method === 'POST' && !(await rewriteBody(ctx))) return;
  await next();
}

/**
 * Client-secret brute-force protection for /oauth/token and /oauth/revoke (checklist AS-D6): failed client
 * authentications are counted per (client_id, IP); a blocked pair gets 429 with `Retry-After` before the
 * engine checks anything, even with the right secret.
 */
export function createClientAuthGuard(throttle: FailureThrottle) {
  return async function clientAuthGuard(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'POST') return next();
    const ip = ctx.request.ip || 'unknown';
    const clientId = basicClientId(ctx.get('Authorization'));
    if (clientId !== undefined) {
      const verdict = throttle.check(clientId, ip);
      if (!verdict.allowed) return tooManyAttempts(ctx, verdict.retryAfterS);
    }
    await auth0Requests(ctx, async () => {
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

function rewriteAuthorizeQuery(ctx: Context): void {
  const params = new URLSearchParams(ctx.querystring);
  if (rewriteAudience(params)) ctx.querystring = params.toString();
}

/** Returns whether anything changed. Duplicated parameters are left alone: the engine rejects them. */
function rewriteAudience(params: URLSearchParams): boolean {
  const audiences = params.getAll('audience');
  const resources = params.getAll('resource');
  if (audiences.length > 1) return false;
  const audience = audiences[0] ?? (resources.length === 1 ? resources[0] : undefined);
  if (audience === undefined || audience === '') {
    const hadEmpty = audiences.length === 1;
    params.delete('audience');
    return hadEmpty;
  }
  params.delete('audience');
  params.set('resource', audienceToResource(audience));
  return true;
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
  if (!params) return reject(ctx, 400, 'invalid_request', 'request body is not a JSON object');
  rewriteAudience(params);
  handOverFormBody(ctx, params);
  return true;
}

function jsonToParams(raw: Buffer): URLSearchParams | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
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
