import { authorizedFetch } from './authorized-fetch.ts';
import { normaliseTarget } from './cache-key.ts';
import { resolveM2MOptions } from './options.ts';
import type { TokenEntry } from './store.ts';
import { createTokenManager } from './token-manager.ts';
import type { M2MClient, M2MClientOptions, M2MToken } from './types.ts';

/**
 * Creates a client that gets `client_credentials` access tokens for APIs and caches them:
 * one request per (token endpoint, client, audience, scope set) however many callers wait, refresh ahead of expiry
 * in the background, retries with backoff on transient failures, typed `M2MError`s otherwise.
 *
 * It logs nothing; pass `onEvent` to observe it. Neither events nor error messages contain the secret or tokens.
 *
 * @throws OptionsError (`ERR_OPTIONS_INVALID`) when the options are invalid; the message names the option and the fix.
 *
 * @example
 * ```ts
 * const m2m = createM2MClient({ issuerBaseURL: 'http://localhost:4000/', clientId, clientSecret });
 * const res = await m2m.fetch('http://localhost:3001/products', undefined, {
 *   audience: 'https://catalog.example.test',
 *   scope: 'read:catalog',
 * });
 * ```
 */
export function createM2MClient(options: M2MClientOptions): M2MClient {
  const resolved = resolveM2MOptions(options);
  const tokens = createTokenManager(resolved);
  return {
    async getToken(target) {
      return toToken(await tokens.get(normaliseTarget(target, 'getToken')));
    },
    async fetch(input, init, target) {
      const normalised = normaliseTarget(target, 'fetch');
      return authorizedFetch(
        resolved.fetch,
        {
          token: async () => (await tokens.get(normalised)).accessToken,
          renew: async (rejected) => (await tokens.renew(normalised, rejected)).accessToken,
        },
        input,
        init,
      );
    },
    async invalidate(target) {
      await tokens.invalidate(normaliseTarget(target, 'invalidate'));
    },
    close: () => tokens.close(),
  };
}

/** A copy: callers must not be able to change the cached entry. */
function toToken(entry: TokenEntry): M2MToken {
  return { accessToken: entry.accessToken, tokenType: entry.tokenType, scope: entry.scope, expiresAt: entry.expiresAt };
}
