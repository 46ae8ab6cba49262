/** The three APIs of the forum thread, in the order the SPA shows them. */
export const API_NAMES = ['catalog', 'orders', 'inventory'] as const;
export type ApiName = (typeof API_NAMES)[number];

export interface ApiConfig {
  /** The API's identifier at the tenant: the `audience` of every token for it. */
  audience: string;
  /** Where the API listens, without a trailing slash. */
  url: string;
  /**
   * The scope every token for this API asks for: the API's read scope. Write scopes are asked for by the
   * call that needs them (see `WRITE_SCOPES`), so that a user who lacks one still gets a token for reading.
   */
  scope: string;
  label: string;
}

export interface AppConfig {
  /** auth0-spa-js `domain`: `http://localhost:4000` locally (scheme included), `your-tenant.eu.auth0.com` at Auth0. */
  domain: string;
  clientId: string;
  apis: Record<ApiName, ApiConfig>;
}

export type ConfigResult = { ok: true; config: AppConfig } | { ok: false; missing: string[] };

/**
 * Least privilege per request. With RBAC the tenant (like Auth0) grants only the requested scopes the user
 * holds, and with MRRT auth0-spa-js refuses a refreshed token that lacks a requested scope
 * (`missing_scopes`). Asking every token for `read:orders create:orders` would therefore leave a staff
 * member (who may read but not place orders) without any orders token in refresh-token mode.
 */
const SCOPES: Record<ApiName, string> = {
  catalog: 'read:products',
  orders: 'read:orders',
  inventory: 'read:inventory',
};

/** The extra scope a write call asks for, on top of the API's read scope. */
export const WRITE_SCOPES = {
  placeOrder: 'create:orders',
  adjustInventory: 'adjust:inventory',
} as const;

const LABELS: Record<ApiName, string> = {
  catalog: 'API 1 · Catalog',
  orders: 'API 2 · Orders',
  inventory: 'API 3 · Inventory',
};

/**
 * Everything the SPA needs comes from the environment of the Vite process (`npm start` sets it), so the same
 * build runs against authmesh or a real Auth0 tenant. Vite only inlines variables it can see statically,
 * hence the explicit list.
 */
export function readConfig(env: ImportMetaEnv = import.meta.env): ConfigResult {
  const values = {
    VITE_AUTH0_DOMAIN: env.VITE_AUTH0_DOMAIN,
    VITE_AUTH0_CLIENT_ID: env.VITE_AUTH0_CLIENT_ID,
    VITE_CATALOG_AUDIENCE: env.VITE_CATALOG_AUDIENCE,
    VITE_ORDERS_AUDIENCE: env.VITE_ORDERS_AUDIENCE,
    VITE_INVENTORY_AUDIENCE: env.VITE_INVENTORY_AUDIENCE,
    VITE_CATALOG_URL: env.VITE_CATALOG_URL,
    VITE_ORDERS_URL: env.VITE_ORDERS_URL,
    VITE_INVENTORY_URL: env.VITE_INVENTORY_URL,
  };
  const missing = Object.entries(values)
    .filter(([, value]) => !value?.trim())
    .map(([name]) => name);
  if (missing.length > 0) return { ok: false, missing };
  const v = values as Record<keyof typeof values, string>;
  const api = (name: ApiName, audience: string, url: string): ApiConfig => ({
    audience,
    url: url.replace(/\/+$/, ''),
    scope: SCOPES[name],
    label: LABELS[name],
  });
  return {
    ok: true,
    config: {
      domain: v.VITE_AUTH0_DOMAIN.replace(/\/+$/, ''),
      clientId: v.VITE_AUTH0_CLIENT_ID,
      apis: {
        catalog: api('catalog', v.VITE_CATALOG_AUDIENCE, v.VITE_CATALOG_URL),
        orders: api('orders', v.VITE_ORDERS_AUDIENCE, v.VITE_ORDERS_URL),
        inventory: api('inventory', v.VITE_INVENTORY_AUDIENCE, v.VITE_INVENTORY_URL),
      },
    },
  };
}

/** The audience of the login itself: the token the code exchange returns is for the catalog. */
export const LOGIN_API: ApiName = 'catalog';
