import type { Context, Next } from 'koa';
import { ManagementError } from '../management/errors.ts';
import { readJsonBody } from '../management/json-body.ts';
import { isStorageFailure } from '../storage/unavailable.ts';
import type { TenantContext } from '../tenant/context.ts';
import { managementApiIdentifier } from '../tenant/management-api.ts';
import type { SigningKeyRing } from '../tenant/signing-key-ring.ts';
import { type ConsoleAccess, createTokenCheck, isLoopbackRequest, namesThisMachine } from './access.ts';
import { type ActivityStreamOptions, ActivityStreams } from './activity-stream.ts';
import { inspectToken } from './inspect.ts';
import { mintConsoleToken } from './session-token.ts';
import { ConsoleStaticFiles } from './static-files.ts';
import { consoleSystem } from './system.ts';

/** Where the console lives on the tenant's origin. */
export const CONSOLE_PATH = '/console';
const API_PREFIX = 'api/';

export interface ConsoleOptions {
  access: ConsoleAccess;
  tenant: TenantContext;
  /** The tenant's signing keys: the loopback console's token is signed with the current one; the inspector verifies with all published. */
  signing: SigningKeyRing;
  /** Where the built app is; default `packages/server/console/` (see static-files.ts). */
  buildDir?: string;
  streams?: ActivityStreamOptions;
  /** Receives unexpected errors (answered with 500). */
  onError?: (error: Error) => void;
}

/** The console's middleware and what must happen when the tenant stops. */
export interface Console {
  handle(ctx: Context, next: Next): Promise<void>;
  /** Ends the open activity streams. */
  close(): void;
}

/**
 * The console (`/console`): the built React app and its API (`/console/api/session`, `system`,
 * `activity`, `inspect`), as the console contract describes them. Other paths go to `next`.
 * Access depends on `access` (see access.ts); in `loopback` mode the API also answers only requests whose
 * `Host` names this machine, so a web page that rebinds its own host name to 127.0.0.1 cannot read the
 * console's Management API token (DNS rebinding).
 */
export function createConsole(options: ConsoleOptions): Console {
  const { tenant, signing, access } = options;
  const files = new ConsoleStaticFiles(options.buildDir);
  const streams = new ActivityStreams(tenant.activity, options.streams);
  const requireReadToken = createTokenCheck(tenant, signing);
  const issuerHost = new URL(tenant.issuer).hostname;

  async function api(ctx: Context, route: string): Promise<void> {
    ctx.set('Cache-Control', 'no-store');
    if (access === 'loopback' && !namesThisMachine(ctx.req, issuerHost)) {
      throw new ManagementError(
        403,
        'The console answers only requests for this machine’s own host name.',
        'forbidden_host',
      );
    }
    const caller = access === 'management-token' ? await requireReadToken(ctx.get('Authorization')) : undefined;
    // HEAD reads like GET, except the stream: a HEAD would hold a subscription open with no body to send.
    const method = ctx.method === 'HEAD' && route !== 'activity' ? 'GET' : ctx.method;
    const allowed = ROUTE_METHODS[route];
    if (allowed === undefined) throw new ManagementError(404, 'Not Found', 'not_found');
    if (method !== allowed) {
      throw new ManagementError(405, 'Method Not Allowed', 'method_not_allowed', { headers: { Allow: allowed } });
    }
    switch (route) {
      case 'session':
        ctx.body = session();
        return;
      case 'system':
        ctx.body = await consoleSystem(tenant);
        return;
      case 'activity':
        // A stream outlives no token: it ends when the token that opened it expires (the app asks for a new one).
        streams.open(ctx, caller?.expiresAt);
        return;
      case 'inspect': {
        const body = await readJsonBody(ctx.req);
        if (!isInspectBody(body)) {
          throw new ManagementError(400, 'The body must be {"token": string, "audience"?: string}.', 'invalid_body');
        }
        ctx.body = await inspectToken(tenant, signing, body.token, body.audience);
        return;
      }
    }
  }

  function session() {
    const minted = access === 'loopback' ? mintConsoleToken(signing, tenant.issuer) : undefined;
    return {
      mode: access,
      tenant: { name: tenant.settings.friendly_name ?? 'authmesh', issuer: tenant.issuer },
      management: {
        audience: managementApiIdentifier(tenant.issuer),
        ...(minted ? { token: minted.token, expires_in: minted.expiresIn } : {}),
      },
      include_tokens: tenant.activity.includeTokens,
    };
  }

  async function serveConsole(ctx: Context, path: string): Promise<void> {
    // As if there were no console: a remote address learns nothing.
    if (access === 'loopback' && !isLoopbackRequest(ctx.request.ip, ctx.req)) return notFound(ctx);
    const relative = path === CONSOLE_PATH ? '' : path.slice(CONSOLE_PATH.length + 1);
    if (relative.startsWith(API_PREFIX) || relative === 'api') {
      try {
        await api(ctx, relative.slice(API_PREFIX.length));
      } catch (error) {
        // The edge answers storage outages (503 + Retry-After).
        if (isStorageFailure(error)) throw error;
        const known = error instanceof ManagementError ? error : undefined;
        if (!known) options.onError?.(error instanceof Error ? error : new Error(String(error)));
        const answer = known ?? new ManagementError(500, 'Internal Server Error');
        ctx.status = answer.statusCode;
        ctx.set(answer.headers);
        ctx.body = answer.toBody();
      }
      return;
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, HEAD');
      ctx.body = 'Method Not Allowed';
      return;
    }
    await files.serve(ctx, relative);
  }

  return {
    // Not async: every other request of the tenant passes through here, and pays no extra promise for it.
    handle(ctx: Context, next: Next): Promise<void> {
      const path = ctx.path;
      if (path !== CONSOLE_PATH && !path.startsWith(`${CONSOLE_PATH}/`)) return next();
      return serveConsole(ctx, path);
    },
    close: () => streams.close(),
  };
}

const ROUTE_METHODS: Readonly<Record<string, string>> = {
  session: 'GET',
  system: 'GET',
  activity: 'GET',
  inspect: 'POST',
};

function isInspectBody(body: unknown): body is { token: string; audience?: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  const { token, audience } = body as { token?: unknown; audience?: unknown };
  return typeof token === 'string' && (audience === undefined || typeof audience === 'string');
}

function notFound(ctx: Context): void {
  ctx.status = 404;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = 'Not Found';
}
