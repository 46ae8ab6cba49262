import { type Env, readEnv } from '../../shared/env.ts';

const ISSUER_EXAMPLE = 'http://localhost:4000/ (authmesh) or https://YOUR_TENANT.auth0.com/';

/** Everything the catalog API needs; it reads nothing else from the environment. */
export interface CatalogConfig {
  /** The tenant: authmesh (`http://localhost:4000/`) or Auth0 (`https://YOUR_TENANT.auth0.com/`). */
  issuerBaseURL: string;
  /** This API's identifier in the tenant; tokens must be issued for it. */
  audience: string;
  port: number;
  /** Where to listen. Loopback by default: a development server should not be reachable from the network. */
  host: string;
  /** The browser app allowed to call this API cross-origin (CORS). */
  spaOrigin: string;
}

/**
 * Reads the catalog API's configuration from environment variables.
 *
 * @throws EnvError listing every missing or malformed variable, each with its fix.
 */
export function readConfig(env: Env): CatalogConfig {
  const read = readEnv(env);
  const config: CatalogConfig = {
    issuerBaseURL: read.url('AUTH0_ISSUER_BASE_URL', ISSUER_EXAMPLE, { loopbackHttpOnly: true }),
    audience: read.text('CATALOG_AUDIENCE', 'set it to the API identifier', 'https://catalog.acme.test'),
    port: read.port('PORT', 4001),
    host: read.text('HOST', 'set it to the address to listen on', '127.0.0.1'),
    spaOrigin: read.origin('SPA_ORIGIN', 'http://localhost:5173'),
  };
  read.done();
  return config;
}
