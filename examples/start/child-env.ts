import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TenantFacts } from './tenant.ts';

/** The three APIs and their directories under examples/. */
export const API_DIRS = { catalog: 'catalog-api', orders: 'orders-api', inventory: 'inventory-api' } as const;
export type Api = keyof typeof API_DIRS;

/**
 * The environment of one API: each reads only these variables, and runs against a real Auth0 tenant with
 * the same variables set to that tenant's values.
 */
export function apiEnv(
  api: Api,
  facts: TenantFacts,
  where: { port: number; catalogUrl: string; spaOrigin: string },
): NodeJS.ProcessEnv {
  const common = {
    ...process.env,
    AUTH0_ISSUER_BASE_URL: facts.issuer,
    PORT: String(where.port),
    HOST: '127.0.0.1',
    SPA_ORIGIN: where.spaOrigin,
    CATALOG_AUDIENCE: facts.audiences.catalog,
  };
  if (api === 'catalog') return common;
  const service = api === 'orders' ? facts.ordersService : facts.inventoryService;
  return {
    ...common,
    [api === 'orders' ? 'ORDERS_AUDIENCE' : 'INVENTORY_AUDIENCE']: facts.audiences[api],
    CATALOG_URL: where.catalogUrl,
    AUTH0_CLIENT_ID: service.clientId,
    AUTH0_CLIENT_SECRET: service.clientSecret,
    // The Orders API also calls the catalog on a customer's behalf, as its own Custom API client.
    ...(api === 'orders'
      ? {
          ORDERS_API_CLIENT_ID: facts.ordersApiClient.clientId,
          ORDERS_API_CLIENT_SECRET: facts.ordersApiClient.clientSecret,
        }
      : {}),
  };
}

/** Vite exposes `VITE_*` variables to the SPA as `import.meta.env`. */
export function spaEnv(
  facts: TenantFacts,
  urls: { catalog: string; orders: string; inventory: string },
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // auth0-spa-js takes a domain; with a scheme it may be http (authmesh on this machine).
    VITE_AUTH0_DOMAIN: facts.issuer.replace(/\/$/, ''),
    VITE_AUTH0_CLIENT_ID: facts.spaClientId,
    VITE_CATALOG_AUDIENCE: facts.audiences.catalog,
    VITE_ORDERS_AUDIENCE: facts.audiences.orders,
    VITE_INVENTORY_AUDIENCE: facts.audiences.inventory,
    VITE_CATALOG_URL: urls.catalog,
    VITE_ORDERS_URL: urls.orders,
    VITE_INVENTORY_URL: urls.inventory,
  };
}

/** The SPA's own Vite, wherever npm put it (hoisted to the root, or in examples/spa/node_modules). */
export function viteBin(spaDir: string): string {
  const pkg = createRequire(join(spaDir, 'package.json')).resolve('vite/package.json');
  return join(dirname(pkg), 'bin', 'vite.js');
}
