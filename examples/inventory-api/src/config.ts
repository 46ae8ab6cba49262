import { type Env, readEnv } from '../../shared/env.ts';

const ISSUER_EXAMPLE = 'http://localhost:4000/ (authmesh) or https://YOUR_TENANT.auth0.com/';
const CREDENTIALS_FIX =
  "set it to the Inventory Service application's credentials (authmesh prints them with `npx authmesh dev`; Auth0: Applications → Inventory Service → Settings)";

/** Everything the inventory API needs; it reads nothing else from the environment. */
export interface InventoryConfig {
  /** The tenant: authmesh (`http://localhost:4000/`) or Auth0 (`https://YOUR_TENANT.auth0.com/`). */
  issuerBaseURL: string;
  /** This API's identifier in the tenant; tokens must be issued for it. */
  audience: string;
  port: number;
  /** Where to listen. Loopback by default: a development server should not be reachable from the network. */
  host: string;
  /** The browser app allowed to call this API cross-origin (CORS). */
  spaOrigin: string;
  /** Base URL of API 1, the catalog. */
  catalogUrl: string;
  /** API 1's identifier: the audience of the tokens this API gets to call it. */
  catalogAudience: string;
  /** This API's own identity as a client of the tenant (the "Inventory Service" application). */
  clientId: string;
  clientSecret: string;
}

/**
 * Reads the inventory API's configuration from environment variables.
 *
 * @throws EnvError listing every missing or malformed variable, each with its fix.
 */
export function readConfig(env: Env): InventoryConfig {
  const read = readEnv(env);
  const config: InventoryConfig = {
    issuerBaseURL: read.url('AUTH0_ISSUER_BASE_URL', ISSUER_EXAMPLE, { loopbackHttpOnly: true }),
    audience: read.text('INVENTORY_AUDIENCE', 'set it to the API identifier', 'https://inventory.acme.test'),
    port: read.port('PORT', 4003),
    host: read.text('HOST', 'set it to the address to listen on', '127.0.0.1'),
    spaOrigin: read.origin('SPA_ORIGIN', 'http://localhost:5173'),
    catalogUrl: read.url('CATALOG_URL', 'http://localhost:4001', { fallback: 'http://localhost:4001' }),
    catalogAudience: read.text('CATALOG_AUDIENCE', 'set it to the catalog API identifier', 'https://catalog.acme.test'),
    clientId: read.text('AUTH0_CLIENT_ID', CREDENTIALS_FIX),
    clientSecret: read.text('AUTH0_CLIENT_SECRET', CREDENTIALS_FIX),
  };
  read.done();
  return config;
}
