import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import { requestState } from '../engine/request-state.ts';
import type { Storage } from '../storage/contract.ts';
import { KeyedQueue } from '../storage/keyed-queue.ts';
import type { TenantRegistry } from '../tenant/registry.ts';
import { type TokenSealer, tokenDigest } from './sealed-token.ts';

/** What is remembered of a family's last rotation, in the storage's counters, for the leeway only. */
interface Family {
  /** Digest of the token that was rotated last: the one the overlap period covers. */
  previous: string;
  /** Its successor, the family's live token, sealed (bound to the grant id): handed back when `previous` is presented again. */
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
 * Requests for one family run one at a time, in this process (a queue) and across the processes sharing the
 * storage (`storage.exclusive`, a database lock on Postgres), so N parallel refreshes of one token rotate it
 * once and the others take the overlap path (or, with no leeway, trip reuse detection, as at Auth0).
 *
 * The last rotation is kept in the storage's counters for the leeway only, shared by every process: the
 * rotated token as a digest, its successor sealed with a tenant key (never a redeemable token in clear).
 * With no leeway nothing is kept.
 */
export function createRefreshOverlap(
  provider: Provider,
  registry: TenantRegistry,
  storage: Storage,
  sealer: TokenSealer,
) {
  const queue = new KeyedQueue();

  return async function refreshOverlap(ctx: Context, next: Next): Promise<void> {
    const body = (ctx.req as { body?: Record<string, unknown> }).body;
    const presented = body?.refresh_token;
    if (ctx.method !== 'POST' || body?.grant_type !== 'refresh_token' || typeof presented !== 'string') {
      return next();
    }
    const found = await provider.RefreshToken.find(presented, { ignoreExpiration: true });
    const grantId = found?.grantId;
    if (grantId === undefined) return next();
    const key = JSON.stringify(['refresh-overlap', grantId]);
    await queue.run(grantId, () =>
      storage.exclusive(key, async () => {
        // Read again inside the family's turn: an exchange that ran before may have consumed it.
        const token = await provider.RefreshToken.find(presented, { ignoreExpiration: true });
        const leeway = registry.client(String(token?.clientId))?.refresh_token.leeway ?? 0;
        const consumed = (token as { consumed?: unknown } | undefined)?.consumed;
        const now = Date.now();
        const inLeeway = typeof consumed === 'number' && leeway > 0 && now / 1000 - consumed <= leeway;
        if (inLeeway) {
          const family = (await storage.counters.read<Family>([key], now)).get(key);
          const live = family?.previous === tokenDigest(presented) ? sealer.open(family.live, grantId) : undefined;
          if (live !== undefined) {
            body.refresh_token = live;
            requestState(ctx).keepRefreshToken = true;
            await next();
            return;
          }
        }
        await next();
        const issued =
          ctx.status === 200 ? (ctx.body as { refresh_token?: unknown } | undefined)?.refresh_token : undefined;
        if (typeof issued === 'string' && issued !== presented && leeway > 0) {
          const family: Family = { previous: tokenDigest(presented), live: sealer.seal(issued, grantId) };
          // Kept a little past the leeway: the leeway counts from the consume, which came just before.
          await storage.counters.update<Family>(key, () => family, now, Date.now() + leeway * 1000 + 1_000);
        }
      }),
    );
  };
}
