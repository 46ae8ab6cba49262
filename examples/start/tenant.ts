import { createTenant, loadTenantConfigFile, type Tenant, type TenantConfig } from '@authmesh/server';

/** What the processes started after the tenant need to know about it. */
export interface TenantFacts {
  issuer: string;
  spaClientId: string;
  audiences: { catalog: string; orders: string; inventory: string };
  /** The generated credentials of the APIs' own applications (API 2 and API 3 calling API 1). */
  ordersService: { clientId: string; clientSecret: string };
  inventoryService: { clientId: string; clientSecret: string };
  /** The Orders API's own Custom API client: it calls API 1 on a customer's behalf (token exchange). */
  ordersApiClient: { clientId: string; clientSecret: string };
  users: { email: string; password: string; roles: string[] }[];
}

// The names tenant.yaml gives them: the same file can be imported into Auth0, where these names appear.
const API_NAMES = { catalog: 'Catalog API', orders: 'Orders API', inventory: 'Inventory API' } as const;
const ORDERS_SERVICE = 'Orders Service';
const INVENTORY_SERVICE = 'Inventory Service';
const ORDERS_API_CLIENT = 'Orders API (client)';

/**
 * Loads tenant.yaml and moves the SPA's URLs (callbacks, web origins, logout URLs) to the port the SPA
 * actually runs on, so that `SPA_PORT=5174 npm start` works without editing the file.
 */
export async function loadConfig(file: string, spaOrigin: string): Promise<TenantConfig> {
  const config = await loadTenantConfigFile(file);
  const spa = config.clients.find((c) => c.app_type === 'spa');
  const fileOrigin = spa?.web_origins[0] ?? spa?.callbacks[0];
  if (!spa || !fileOrigin) throw new Error(`${file} declares no SPA application (app_type: spa) with a web origin`);
  const from = new URL(fileOrigin).origin;
  if (from === spaOrigin) return config;
  const move = (urls: readonly string[]) =>
    urls.map((u) => (u.startsWith(from) ? spaOrigin + u.slice(from.length) : u));
  return {
    ...config,
    tenant: { ...config.tenant, allowed_logout_urls: move(config.tenant.allowed_logout_urls) },
    clients: config.clients.map((c) => ({
      ...c,
      callbacks: move(c.callbacks),
      allowed_logout_urls: move(c.allowed_logout_urls),
      web_origins: move(c.web_origins),
      allowed_origins: move(c.allowed_origins),
    })),
  };
}

/**
 * Starts the tenant in this process: that is how the generated client ids and secrets of the Orders and
 * Inventory services become known, to be handed to API 2 and API 3 as environment variables.
 *
 * @throws Error when the tenant cannot start, or tenant.yaml lacks an API or application the system needs.
 */
export async function startTenant(
  config: TenantConfig,
  options: { port: number; issuer: string; dataDir: string },
): Promise<{ tenant: Tenant; facts: TenantFacts }> {
  const tenant = await createTenant({
    config,
    port: options.port,
    issuer: options.issuer,
    dataDir: options.dataDir,
    // The console (/console): the system picture, live activity and token inspector, for this machine only.
    console: { access: 'loopback' },
    onError: (error) => console.error(`[tenant] internal error: ${error.message}`),
  });
  try {
    return { tenant, facts: factsOf(config, tenant) };
  } catch (error) {
    await tenant.close();
    throw error;
  }
}

function factsOf(config: TenantConfig, tenant: Tenant): TenantFacts {
  const missing = (what: string) => new Error(`${config.source} must declare ${what}; the reference system needs it`);
  const audience = (name: string) => {
    const api = config.resourceServers.find((r) => r.name === name);
    if (!api) throw missing(`the API "${name}"`);
    return api.identifier;
  };
  const credentials = (name: string) => {
    const client = tenant.clients.find((c) => c.name === name);
    if (!client?.client_secret) throw missing(`the machine-to-machine application "${name}"`);
    return { clientId: client.client_id, clientSecret: client.client_secret };
  };
  const spa = tenant.clients.find((c) => c.app_type === 'spa');
  if (!spa) throw missing('a single-page application (app_type: spa)');
  return {
    issuer: tenant.issuer,
    spaClientId: spa.client_id,
    audiences: {
      catalog: audience(API_NAMES.catalog),
      orders: audience(API_NAMES.orders),
      inventory: audience(API_NAMES.inventory),
    },
    ordersService: credentials(ORDERS_SERVICE),
    inventoryService: credentials(INVENTORY_SERVICE),
    ordersApiClient: credentials(ORDERS_API_CLIENT),
    users: config.users.map((u) => ({ email: u.email, password: u.password, roles: u.roles })),
  };
}
