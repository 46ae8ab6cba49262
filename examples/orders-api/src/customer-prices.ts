import { createOnBehalfOfClient, type OnBehalfOfClient } from '@authmesh/api/m2m';
import { type CatalogConnection, callCatalog, TIMEOUT_MS, withSlash } from '../../shared/catalog-client.ts';

/** One product's price for the signed-in customer, as the catalog answers it. */
export interface CustomerPrice {
  id: string;
  name: string;
  listPrice: number;
  yourPrice: number;
}

/** What the token the catalog received says, for the SPA's token panel (claims only, never the token). */
export interface ExchangedTokenClaims {
  aud: unknown;
  sub: unknown;
  act: unknown;
  scope: unknown;
  permissions: unknown;
  exp: unknown;
}

/** The customer's prices, fetched from API 1 on the customer's behalf. */
export interface CustomerPrices {
  /** Who the catalog saw: the user, and who acted for them (current actor first). */
  customer: string;
  actors: string[];
  prices: CustomerPrice[];
  exchangedToken: ExchangedTokenClaims;
}

/** API 1's per-customer prices, asked for on the customer's behalf. */
export interface CustomerPricesClient {
  /** `userToken` is the access token the customer sent to THIS API (`request.auth.token`). */
  pricesFor(userToken: string): Promise<CustomerPrices>;
  /** How many token exchanges the client has sent to the tenant so far. */
  exchanges(): number;
  close(): Promise<void>;
}

/** Where the catalog is, and the Orders API's own Custom API client in the tenant (not the Orders Service). */
export type CustomerPricesOptions = CatalogConnection;

/**
 * The other way for API 2 to call API 1: ON THE USER'S BEHALF. The customer's orders token is exchanged
 * (RFC 8693, Auth0's On-Behalf-Of token exchange) for a catalog token whose `sub` is still the customer and
 * whose `act` names the Orders API, so the catalog can answer with this customer's prices and log who acted.
 * Stock and product reads stay machine-to-machine (`catalog.ts`): they do not depend on who the user is.
 *
 * @example
 * const prices = createCustomerPricesClient({ catalogUrl, catalogAudience, issuerBaseURL, clientId, clientSecret });
 * const mine = await prices.pricesFor(request.auth.token);
 */
export function createCustomerPricesClient(options: CustomerPricesOptions): CustomerPricesClient {
  let exchanges = 0;
  const obo: OnBehalfOfClient = createOnBehalfOfClient({
    issuerBaseURL: options.issuerBaseURL,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    onEvent(event) {
      if (event.type === 'token_request') exchanges += 1;
      // Events carry neither the user's token nor the exchanged one, so they are safe to log.
      if (event.type === 'token_received')
        console.log(
          `orders-api: exchanged a user token for a catalog token (${event.scope}), valid ${event.expiresIn} s`,
        );
    },
  });
  const target = { audience: options.catalogAudience, scope: 'read:products' };
  const url = new URL('prices/mine', withSlash(options.catalogUrl));

  return {
    async pricesFor(userToken) {
      let token = '';
      const response = await callCatalog(async () => {
        token = (await obo.getToken(userToken, target)).accessToken;
        return fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(TIMEOUT_MS) });
      }, "the tenant did not exchange the user's token");
      const body = (await response.json()) as Omit<CustomerPrices, 'exchangedToken'>;
      return { ...body, exchangedToken: claimsOf(token) };
    },
    exchanges: () => exchanges,
    close: () => obo.close(),
  };
}

/** The exchanged token's payload, for display; the catalog verified the token itself. */
function claimsOf(jwt: string): ExchangedTokenClaims {
  const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
  const { aud, sub, act, scope, permissions, exp } = payload;
  return { aud, sub, act, scope, permissions, exp };
}
