/*
 * The `api` object an action receives, built inside the actions worker (actions/worker.ts). Its methods
 * record calls and return `api` for chaining, as Auth0's do; the tenant applies the calls after the action
 * returns (actions/runner.ts). What needs no tenant state (the cache read, signed redirect tokens) is
 * answered here.
 * https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger/post-login-api-object
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ApiCall, CacheRecord, RunRequest } from './protocol.ts';

/** Auth0's `api.redirect.encodeToken` / `validateToken`: an HS256 JWT signed with the given secret. */
function encodeToken(options: { secret: string; payload: Record<string, unknown>; expiresInSeconds?: number }): string {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = { iat: now, exp: now + (options.expiresInSeconds ?? 900), ...options.payload };
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(body)}`;
  return `${unsigned}.${createHmac('sha256', options.secret).update(unsigned).digest('base64url')}`;
}

function validateToken(options: { secret: string; tokenParameterName?: string }, token: unknown): unknown {
  if (typeof token !== 'string') throw new Error('no session token to validate');
  const [header, body, signature] = token.split('.');
  if (!header || !body || !signature) throw new Error('the session token is not a JWT');
  const expected = createHmac('sha256', options.secret).update(`${header}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new Error('the session token signature is invalid');
  }
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { exp?: number };
  if (typeof payload.exp === 'number' && payload.exp < Date.now() / 1000) throw new Error('the session token expired');
  return payload;
}

/** The `api` object of a trigger: every method records its call and returns `api`, as Auth0's chain. */
export function buildApi(request: RunRequest, calls: ApiCall[]): Record<string, unknown> {
  const cache = new Map(Object.entries(request.cache));
  const api: Record<string, unknown> = {};
  const rec =
    (method: string) =>
    (...args: unknown[]) => {
      calls.push({ method, args: structuredClone(args) });
      return api;
    };
  api.access = { deny: rec('access.deny') };
  api.cache = {
    get(key: string): CacheRecord | undefined {
      const record = cache.get(key);
      return record && record.expires_at > Date.now() ? { ...record } : undefined;
    },
    set(key: string, value: string, options?: { ttl?: number; expires_at?: number }) {
      // Auth0's limits: keys of at most 64 bytes, string values of at most 4 KB.
      if (typeof key !== 'string' || Buffer.byteLength(key) > 64) return { type: 'error', code: 'invalid_key' };
      if (typeof value !== 'string' || Buffer.byteLength(value) > 4_096) {
        return { type: 'error', code: 'invalid_value' };
      }
      calls.push({ method: 'cache.set', args: [key, value, options ?? {}] });
      cache.set(key, { value, expires_at: options?.expires_at ?? Date.now() + (options?.ttl ?? 15 * 60_000) });
      return { type: 'success', record: cache.get(key) };
    },
    delete(key: string) {
      calls.push({ method: 'cache.delete', args: [key] });
      cache.delete(key);
      return { type: 'success' };
    },
  };
  switch (request.trigger) {
    case 'post-login':
      api.accessToken = {
        setCustomClaim: rec('accessToken.setCustomClaim'),
        addScope: rec('accessToken.addScope'),
        removeScope: rec('accessToken.removeScope'),
      };
      api.idToken = { setCustomClaim: rec('idToken.setCustomClaim') };
      api.user = { setAppMetadata: rec('user.setAppMetadata'), setUserMetadata: rec('user.setUserMetadata') };
      api.multifactor = { enable: rec('multifactor.enable') };
      api.authentication = {
        challengeWith: rec('authentication.challengeWith'),
        challengeWithAny: rec('authentication.challengeWithAny'),
        recordMethod: rec('authentication.recordMethod'),
        setPrimaryUser: rec('authentication.setPrimaryUser'),
      };
      api.redirect = {
        sendUserTo: rec('redirect.sendUserTo'),
        encodeToken,
        validateToken: (options: { secret: string; tokenParameterName?: string }) => {
          const query = (request.event.request as { query?: Record<string, unknown> } | undefined)?.query ?? {};
          const body = (request.event.request as { body?: Record<string, unknown> } | undefined)?.body ?? {};
          const name = options.tokenParameterName ?? 'session_token';
          return validateToken(options, query[name] ?? body[name]);
        },
      };
      break;
    case 'credentials-exchange':
      api.accessToken = { setCustomClaim: rec('accessToken.setCustomClaim') };
      break;
    case 'pre-user-registration':
      api.user = { setAppMetadata: rec('user.setAppMetadata'), setUserMetadata: rec('user.setUserMetadata') };
      api.validation = { error: rec('validation.error') };
      break;
    default:
      break;
  }
  return api;
}
