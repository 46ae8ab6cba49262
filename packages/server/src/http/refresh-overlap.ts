import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import { requestState } from '../engine/request-state.ts';
import type { TenantRegistry } from '../tenant/registry.ts';

/** Families remembered at most; the oldest lose their (seconds-long) overlap first. */
const MAX_FAMILIES = 10_000;

interface Family {
  /** The token that was rotated last: the one the overlap period covers. */
  previous: string;
  /** Its successor, the family's live token, handed back when `previous` is presented again. */
  live: string;
}

/**
 * Auth0's refresh-token rotation overlap period (`refresh_token.leeway`, seconds, default 0), at
 * /oauth/token, in front of the engine.
 *
 * Within the leeway, presenting the token that was just rotated again (a retry after a lost response, two
 * tabs refreshing at once) does not trip reuse detection: the request is answered with the family's live
 * token, the **same** successor the first exchange returned, and a fresh access token. So a family never
 * has two live chains. Only the most recently rotated token gets this grace; outside the leeway, or for
 * any older token, the engine's reuse detection revokes the whole family.
 *
 * Requests for one family run one at a time, so N parallel refreshes of one token rotate it once and the
 * others take the overlap path (or, with no leeway, trip reuse detection, as at Auth0).
 *
 * Which token was rotated last lives in this process's memory, never on disk (the live token is a bearer
 * secret): a restart ends a grace period early, never extends it.
 */
export function createRefreshOverlap(provider: Provider, registry: TenantRegistry) {
  const families = new Map<string, Family>();
  const queues = new Map<string, Promise<void>>();

  return async function refreshOverlap(ctx: Context, next: Next): Promise<void> {
    const body = (ctx.req as { body?: Record<string, unknown> }).body;
    const presented = body?.refresh_token;
    if (ctx.method !== 'POST' || body?.grant_type !== 'refresh_token' || typeof presented !== 'string') {
      return next();
    }
    const found = await provider.RefreshToken.find(presented, { ignoreExpiration: true });
    const grantId = found?.grantId;
    if (grantId === undefined) return next();
    await oneAtATime(queues, grantId, async () => {
      // Read again inside the family's turn: an exchange that ran before may have consumed it.
      const token = await provider.RefreshToken.find(presented, { ignoreExpiration: true });
      const family = families.get(grantId);
      const leeway = registry.client(String(token?.clientId))?.refresh_token.leeway ?? 0;
      const consumed = (token as { consumed?: unknown } | undefined)?.consumed;
      const inOverlap =
        family?.previous === presented &&
        typeof consumed === 'number' &&
        leeway > 0 &&
        Date.now() / 1000 - consumed <= leeway;
      if (inOverlap && family) {
        body.refresh_token = family.live;
        requestState(ctx).keepRefreshToken = true;
        await next();
        return;
      }
      await next();
      const issued =
        ctx.status === 200 ? (ctx.body as { refresh_token?: unknown } | undefined)?.refresh_token : undefined;
      if (typeof issued === 'string' && issued !== presented)
        remember(families, grantId, { previous: presented, live: issued });
    });
  };
}

function remember(families: Map<string, Family>, grantId: string, family: Family): void {
  families.delete(grantId);
  families.set(grantId, family);
  if (families.size > MAX_FAMILIES) families.delete(families.keys().next().value as string);
}

/** Runs `task` after every earlier task of the same key has settled. */
async function oneAtATime(queues: Map<string, Promise<void>>, key: string, task: () => Promise<void>): Promise<void> {
  const before = queues.get(key) ?? Promise.resolve();
  const turn = before.then(task, task);
  const settled = turn.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, settled);
  try {
    await turn;
  } finally {
    if (queues.get(key) === settled) queues.delete(key);
  }
}
