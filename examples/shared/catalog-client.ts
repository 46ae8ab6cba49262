import { createM2MClient, type M2MClient } from '@authmesh/api/m2m';

/** A product as API 1 returns it. */
export interface Product {
  id: string;
  name: string;
  price: number;
  stock: number;
}

/**
 * The catalog could not be used: it answered with an error, did not answer, or no token could be had.
 * `status` is what this API answers its own caller (502, or 504 on a timeout); the message names the
 * upstream status and never contains a token.
 */
export class CatalogError extends Error {
  readonly status: 502 | 504;
  readonly upstreamStatus: number | null;

  constructor(message: string, status: 502 | 504, upstreamStatus: number | null, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CatalogError';
    this.status = status;
    this.upstreamStatus = upstreamStatus;
  }
}

/** API 1 as another API of the reference system calls it, machine to machine. */
export interface CatalogClient {
  listProducts(): Promise<Product[]>;
  /** Adds `delta` (negative to write off) to a product's stock; returns the updated product. */
  adjustStock(productId: string, delta: number): Promise<Product>;
  /** How many times the M2M client has called the tenant's token endpoint so far. */
  tokenRequests(): number;
  close(): Promise<void>;
}

/** Where the catalog is, and the tenant client this API asks for catalog tokens with. */
export interface CatalogConnection {
  catalogUrl: string;
  catalogAudience: string;
  issuerBaseURL: string;
  clientId: string;
  clientSecret: string;
}

/** Where the catalog is and who this API is when it calls it. */
export interface CatalogClientOptions extends CatalogConnection {
  /** The calling API's name, for its log lines. */
  caller: string;
  /** The scopes to ask for: exactly what the caller's client grant on the catalog holds. */
  scope: string;
}

/** How long a catalog request may take before it fails with a 504. */
export const TIMEOUT_MS = 5_000;

/**
 * Creates the catalog client shared by API 2 and API 3. Tokens come from the tenant by client credentials
 * and are cached by the SDK: one scope set for every call means one cached token, so one token request per
 * token lifetime however many requests are made, refreshed ahead of expiry. What a caller may do is decided
 * by its client grant (the catalog refuses a stock change from a token without write:stock).
 *
 * @example
 * const catalog = createCatalogClient({ caller: 'inventory-api', scope: 'read:products write:stock',
 *   catalogUrl: 'http://localhost:4001', catalogAudience: 'https://catalog.acme.test',
 *   issuerBaseURL: 'http://localhost:4000/', clientId, clientSecret });
 * const product = await catalog.adjustStock('ceramic-mug', 10);
 */
export function createCatalogClient(options: CatalogClientOptions): CatalogClient {
  let tokenRequests = 0;
  const m2m: M2MClient = createM2MClient({
    issuerBaseURL: options.issuerBaseURL,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    onEvent(event) {
      if (event.type === 'token_request') tokenRequests += 1;
      // Events never carry tokens or secrets, so they are safe to log.
      if (event.type === 'token_received')
        console.log(`${options.caller}: got a catalog token (${event.scope}), valid ${event.expiresIn} s`);
      if (event.type === 'token_refresh_failed')
        console.error(`${options.caller}: refreshing the catalog token failed (${event.code})`);
    },
  });
  const target = { audience: options.catalogAudience, scope: options.scope };
  const base = withSlash(options.catalogUrl);
  const productsUrl = new URL('products', base);

  return {
    async listProducts() {
      const response = await callCatalog(() =>
        m2m.fetch(productsUrl, { signal: AbortSignal.timeout(TIMEOUT_MS) }, target),
      );
      const body = (await response.json()) as { products?: Product[] };
      if (!Array.isArray(body.products))
        throw new CatalogError('The catalog answered without a product list.', 502, 200);
      return body.products;
    },
    async adjustStock(productId, delta) {
      const url = new URL(`products/${encodeURIComponent(productId)}/stock`, base);
      const init = {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ delta }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      };
      const response = await callCatalog(() => m2m.fetch(url, init, target));
      return (await response.json()) as Product;
    },
    tokenRequests: () => tokenRequests,
    close: () => m2m.close(),
  };
}

/**
 * Runs one catalog request (getting its token included) and turns every way it can fail into a
 * {@link CatalogError}; `noToken` says what failed when the tenant gave no token.
 */
export async function callCatalog(
  request: () => Promise<Response>,
  noToken = 'no token for the catalog could be had',
): Promise<Response> {
  let response: Response;
  try {
    response = await request();
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError') {
      throw new CatalogError(`The catalog did not answer within ${TIMEOUT_MS / 1000} s.`, 504, null, { cause: error });
    }
    // M2MError: the tenant refused or could not be reached; its code says which, without secrets.
    const code = (error as { code?: string }).code;
    const what = code?.startsWith('ERR_M2M') ? `${noToken} (${code})` : 'the catalog could not be reached';
    throw new CatalogError(`Upstream failure: ${what}.`, 502, null, { cause: error });
  }
  if (response.ok) return response;
  // The catalog's own error code (e.g. insufficient_scope) helps; its body never holds our token.
  const upstream = (await response.json().catch(() => undefined)) as { error?: unknown } | undefined;
  const code = typeof upstream?.error === 'string' ? ` (${upstream.error.slice(0, 64)})` : '';
  throw new CatalogError(`The catalog answered ${response.status}${code}.`, 502, response.status);
}

/** The catalog's base URL with the trailing slash that relative paths need. */
export function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
