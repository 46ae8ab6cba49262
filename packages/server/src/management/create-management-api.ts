import type { Context, Next } from 'koa';
import { isStorageFailure, STORAGE_RETRY_AFTER_S } from '../storage/unavailable.ts';
import type { TenantContext } from '../tenant/context.ts';
import { isPasswordHashingBusy, PASSWORD_HASHING_RETRY_AFTER_S } from '../tenant/password-pool.ts';
import type { SigningKeyRing } from '../tenant/signing-key-ring.ts';
import { actionTriggerRoutes } from './action-triggers.ts';
import { actionVersionRoutes } from './action-versions.ts';
import { actionRoutes } from './actions.ts';
import { requireActiveUser } from './active-user.ts';
import { createAuthenticator, requireScope } from './auth.ts';
import { clientGrantRoutes } from './client-grants.ts';
import { clientRoutes } from './clients.ts';
import { connectionClientRoutes } from './connection-clients.ts';
import { connectionRoutes } from './connections.ts';
import { applyManagementCors } from './cors.ts';
import { emptyResourceRoutes } from './empty-resources.ts';
import { EntityWriter } from './entity-writer.ts';
import { ManagementError } from './errors.ts';
import { readJsonBody } from './json-body.ts';
import { signingKeyRoutes } from './keys.ts';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitOptions, rateLimitKey } from './rate-limit.ts';
import { resourceServerRoutes } from './resource-servers.ts';
import { roleMemberRoutes } from './role-members.ts';
import { roleRoutes } from './roles.ts';
import { matchRoute } from './router.ts';
import { tenantSettingsRoutes } from './tenant-settings.ts';
import type { AuditEvent, Caller, ManagementDeps, ManagementResponse, ManagementRoute } from './types.ts';
import { userAccessRoutes } from './user-access.ts';
import { userRoutes } from './users.ts';

/** Where the Management API lives, as on Auth0. */
export const MANAGEMENT_API_PATH = '/api/v2';

export interface ManagementApiOptions {
  tenant: TenantContext;
  /** The tenant's signing keys: Management API tokens are the tenant's own JWTs; /keys/signing manages them. */
  signing: SigningKeyRing;
  /** How long `POST /keys/signing/rotate` publishes the next key before it signs. */
  rotationDelayMs: number;
  /** Per-caller token bucket; default {@link DEFAULT_RATE_LIMIT}. */
  rateLimit?: RateLimitOptions;
  /** Receives unexpected errors (answered with 500). Never receives tokens, bodies or secrets. */
  onError?: (error: Error) => void;
  /** Receives every successful write (never a body, token or secret). */
  onAudit?: (event: AuditEvent) => void;
}

/**
 * Auth0's Management API v2 (`/api/v2/*`) as a Koa middleware; other paths go to `next`. Each request goes
 * through, in order:
 * 1. authentication (bearer JWT of this tenant for `<issuer>api/v2/`) and the caller's rate limit; the
 *    limit is counted before a bad token is refused, so guessing tokens is throttled too (per IP);
 * 2. routing (404 unknown path, 405 known path with another method);
 * 3. the route's scopes (403), before any object is looked up or any body read;
 * 4. the JSON body (100 KiB), then the handler, which validates and writes through one {@link EntityWriter}.
 * Resources are one module each (`resource-servers.ts`, `clients.ts`, `client-grants.ts`, `roles.ts`,
 * `role-members.ts`, `users.ts`, `user-access.ts`); more slot in as further route lists.
 *
 * @example
 * ```ts
 * app.use(createManagementApi({ engine, signing }));
 * ```
 */
export function createManagementApi(options: ManagementApiOptions) {
  const { tenant } = options;
  const authenticate = createAuthenticator(options.signing, tenant.issuer);
  const limiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT, tenant.storage.counters);
  const deps: ManagementDeps = { tenant, writer: new EntityWriter(tenant) };
  const routes: ManagementRoute[] = [
    ...resourceServerRoutes(deps),
    ...clientRoutes(deps),
    ...clientGrantRoutes(deps),
    ...roleRoutes(deps),
    ...roleMemberRoutes(deps),
    ...userRoutes(deps),
    ...userAccessRoutes(deps),
    ...tenantSettingsRoutes(deps),
    ...actionRoutes(deps),
    ...actionTriggerRoutes(deps),
    ...actionVersionRoutes(deps),
    // What authmesh does not emulate answers as an empty Auth0 tenant does (see empty-resources.ts).
    ...emptyResourceRoutes(),
    ...connectionRoutes(deps),
    ...connectionClientRoutes(deps),
    ...signingKeyRoutes({ tenant, ring: options.signing, rotationDelayMs: options.rotationDelayMs }),
  ];

  async function handle(ctx: Context): Promise<ManagementResponse> {
    let caller: Caller | undefined;
    let refusal: unknown;
    try {
      caller = authenticate(ctx.get('Authorization'));
    } catch (error) {
      refusal = error;
    }
    const verdict = await limiter.take(rateLimitKey(caller, ctx.request.ip));
    ctx.set(verdict.headers);
    if (!verdict.allowed) {
      throw new ManagementError(429, 'Global limit has been reached', 'too_many_requests');
    }
    if (caller === undefined) throw refusal;
    await requireActiveUser(tenant, caller);
    const { route, params } = matchRoute(routes, ctx.method, ctx.path.slice(MANAGEMENT_API_PATH.length));
    requireScope(caller, route.scopes);
    const body = route.body ? await readJsonBody(ctx.req) : undefined;
    const response = await route.handler({ params, query: new URLSearchParams(ctx.querystring), body, caller });
    if (route.method !== 'GET' && options.onAudit) {
      options.onAudit({
        time: new Date().toISOString(),
        actor: caller.id,
        ...(caller.user !== undefined ? { onBehalfOf: caller.user } : {}),
        action: `${route.method} ${route.path}`,
        target: params,
        status: response.status,
        ip: ctx.request.ip,
      });
    }
    return response;
  }

  return async function managementApi(ctx: Context, next: Next): Promise<void> {
    if (ctx.path !== MANAGEMENT_API_PATH && !ctx.path.startsWith(`${MANAGEMENT_API_PATH}/`)) return next();
    // Answers carry secrets and state that changes with every write.
    ctx.set('Cache-Control', 'no-store');
    if (applyManagementCors(ctx, tenant.registry)) return;
    try {
      const response = await handle(ctx);
      ctx.status = response.status;
      if (response.body !== undefined) ctx.body = response.body;
    } catch (error) {
      const known = error instanceof ManagementError ? error : hashingBusy(error);
      if (!known) options.onError?.(error instanceof Error ? error : new Error(String(error)));
      const answer = known ?? unexpected(error);
      ctx.status = answer.statusCode;
      ctx.set(answer.headers);
      ctx.body = answer.toBody();
    }
  };
}

/**
 * A user create or password change while the tenant's password-hashing queue is full
 * (tenant/password-pool.ts): nothing was written; 503 with `Retry-After`, in Auth0's error shape.
 */
function hashingBusy(error: unknown): ManagementError | undefined {
  if (!isPasswordHashingBusy(error)) return undefined;
  return new ManagementError(503, 'Too many passwords are being hashed at this moment. Retry later.', 'too_busy', {
    headers: { 'Retry-After': String(PASSWORD_HASHING_RETRY_AFTER_S) },
  });
}

/** An error no handler expected: 503 with `Retry-After` when storage is unavailable (it passes), else a 500. */
function unexpected(error: unknown): ManagementError {
  if (!isStorageFailure(error)) return new ManagementError(500, 'Internal Server Error');
  return new ManagementError(503, 'The tenant storage is unavailable. Retry later.', undefined, {
    headers: { 'Retry-After': String(STORAGE_RETRY_AFTER_S) },
  });
}
