import { authorizedFetch } from './authorized-fetch.ts';
import { type NormalisedTarget, normaliseTarget } from './cache-key.ts';
import { resolveM2MOptions } from './options.ts';
import type { TokenEntry } from './store.ts';
import { subjectToken } from './subject-token.ts';
import { createTokenManager } from './token-manager.ts';
import type { OnBehalfOfClient, OnBehalfOfClientOptions, OnBehalfOfToken } from './types.ts';

/** RFC 8693 §3: what the tenant issues for an access-token exchange. */
const ISSUED_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * Creates a client that exchanges the access token a user sent to THIS API for a token for another API
 * (RFC 8693 token exchange, Auth0's On-Behalf-Of profile): the downstream API then sees the user as `sub` and
 * this API in `act`, so it can apply the user's permissions and record who acted.
 *
 * The client authenticates as this API's own client in the tenant (an `app_type: resource_server` client allowed
 * the `on_behalf_of_token_exchange` profile, with a user-delegated grant on the downstream API). It has the M2M
 * client's machinery: one exchange per (user token, audience, scope set) however many callers wait, also across
 * instances with a shared store; retries with backoff; typed `M2MError`s. Cached tokens are served until shortly
 * before the EARLIER of their own expiry and the user token's. Store keys carry a SHA-256 of the user's token,
 * never the token. There is no refresh-ahead: a token is exchanged when a request needs it.
 *
 * @throws OptionsError (`ERR_OPTIONS_INVALID`) when the options are invalid.
 *
 * @example
 * ```ts
 * const obo = createOnBehalfOfClient({ issuerBaseURL, clientId, clientSecret });
 * app.get('/my-prices', auth(), async (req, res) => {
 *   const prices = await obo.fetch(req.auth.token, 'http://localhost:3001/prices/mine', undefined, {
 *     audience: 'https://catalog.example.test',
 *     scope: 'read:prices',
 *   });
 *   res.json(await prices.json());
 * });
 * ```
 */
export function createOnBehalfOfClient(options: OnBehalfOfClientOptions): OnBehalfOfClient {
  const resolved = resolveM2MOptions({ ...options, refreshAhead: false }, 'createOnBehalfOfClient');
  const tokens = createTokenManager(resolved);
  const targetOf = (subject: string, target: Parameters<OnBehalfOfClient['getToken']>[1], method: string) => {
    const normalised: NormalisedTarget = normaliseTarget(target, method);
    return { ...normalised, subject: subjectToken(subject, method) };
  };
  return {
    async getToken(subject, target) {
      return toToken(await tokens.get(targetOf(subject, target, 'getToken')));
    },
    async fetch(subject, input, init, target) {
      const normalised = targetOf(subject, target, 'fetch');
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
    async invalidate(subject, target) {
      await tokens.invalidate(targetOf(subject, target, 'invalidate'));
    },
    close: () => tokens.close(),
  };
}

/** A copy: callers must not be able to change the cached entry. */
function toToken(entry: TokenEntry): OnBehalfOfToken {
  return {
    accessToken: entry.accessToken,
    tokenType: entry.tokenType,
    issuedTokenType: ISSUED_TOKEN_TYPE,
    scope: entry.scope,
    expiresAt: entry.expiresAt,
  };
}
