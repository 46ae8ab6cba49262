import { type Env, readEnv } from './env.ts';

const ISSUER_EXAMPLE = 'http://localhost:4000/ (authmesh) or https://YOUR_TENANT.auth0.com/';

/** Everything an API that calls API 1 needs (API 2 and API 3); it reads nothing else from the environment. */
export interface CallerApiConfig {
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
  /** This API's own identity as a client of the tenant (its M2M application). */
  clientId: string;
  clientSecret: string;
}

/** What differs between API 2 and API 3: their own audience, port and M2M application. */
export interface CallerApiDefaults {
  /** The environment variable naming this API's identifier, e.g. `ORDERS_AUDIENCE`. */
  audienceVariable: string;
  audience: string;
  port: number;
  /** The M2M application's name in the tenant, e.g. `Orders Service`. */
  application: string;
}

/**
 * Reads the configuration of an API that calls the catalog from environment variables.
 *
 * @throws EnvError listing every missing or malformed variable, each with its fix.
 */
export function readCallerApiConfig(env: Env, defaults: CallerApiDefaults): CallerApiConfig {
  const credentialsFix = `set it to the ${defaults.application} application's credentials (authmesh prints them with \`npx authmesh dev\`; Auth0: Applications → ${defaults.application} → Settings)`;
  const read = readEnv(env);
  const config: CallerApiConfig = {
    issuerBaseURL: read.url('AUTH0_ISSUER_BASE_URL', ISSUER_EXAMPLE, { loopbackHttpOnly: true }),
    audience: read.text(defaults.audienceVariable, 'set it to the API identifier', defaults.audience),
    port: read.port('PORT', defaults.port),
    host: read.text('HOST', 'set it to the address to listen on', '127.0.0.1'),
    spaOrigin: read.origin('SPA_ORIGIN', 'http://localhost:5173'),
    catalogUrl: read.url('CATALOG_URL', 'http://localhost:4001', { fallback: 'http://localhost:4001' }),
    catalogAudience: read.text('CATALOG_AUDIENCE', 'set it to the catalog API identifier', 'https://catalog.acme.test'),
    clientId: read.text('AUTH0_CLIENT_ID', credentialsFix),
    clientSecret: read.text('AUTH0_CLIENT_SECRET', credentialsFix),
  };
  read.done();
  return config;
}
