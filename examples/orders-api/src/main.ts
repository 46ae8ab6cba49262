/**
 * Starts the orders API (API 2) from environment variables: `AUTH0_ISSUER_BASE_URL`, `ORDERS_AUDIENCE`,
 * `PORT`, `HOST`, `SPA_ORIGIN`, and for its calls to the catalog `CATALOG_URL`, `CATALOG_AUDIENCE`,
 * `AUTH0_CLIENT_ID`, `AUTH0_CLIENT_SECRET` (the Orders Service, machine to machine), and optionally
 * `ORDERS_API_CLIENT_ID`, `ORDERS_API_CLIENT_SECRET` (the Orders API's own client, for calls on the customer's
 * behalf). The same process runs against authmesh or a real Auth0 tenant.
 *
 * @example
 * AUTH0_ISSUER_BASE_URL=http://localhost:4000/ AUTH0_CLIENT_ID=… AUTH0_CLIENT_SECRET=… node examples/orders-api/src/main.ts
 */
import type { FastifyInstance } from 'fastify';
import { EnvError } from '../../shared/env.ts';
import { createApp } from './app.ts';
import { type CatalogClient, createCatalogClient } from './catalog.ts';
import { type OrdersConfig, readConfig } from './config.ts';
import { type CustomerPricesClient, createCustomerPricesClient } from './customer-prices.ts';

const NAME = 'orders-api';

async function start(): Promise<void> {
  let config: OrdersConfig;
  let catalog: CatalogClient;
  let customerPrices: CustomerPricesClient | undefined;
  let app: FastifyInstance;
  try {
    config = readConfig(process.env);
    // Both validate their options (e.g. an http issuer that is not loopback) and throw here, not later.
    catalog = createCatalogClient(config);
    customerPrices =
      config.onBehalfOf &&
      createCustomerPricesClient({
        catalogUrl: config.catalogUrl,
        catalogAudience: config.catalogAudience,
        issuerBaseURL: config.issuerBaseURL,
        ...config.onBehalfOf,
      });
    app = await createApp(config, { catalog, customerPrices });
  } catch (error) {
    const lines = error instanceof EnvError ? error.problems : [(error as Error).message];
    console.error(`${NAME}: cannot start:\n${lines.map((l) => `  - ${l}`).join('\n')}`);
    process.exit(1);
  }
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const fix = code === 'EADDRINUSE' ? ' Fix: stop what uses it, or set PORT to a free port.' : '';
    console.error(`${NAME}: cannot listen on ${config.host}:${config.port}: ${(error as Error).message}.${fix}`);
    process.exit(1);
  }
  console.log(`${NAME}: listening on http://${config.host}:${config.port} for audience ${config.audience}`);

  const stop = () => {
    void Promise.all([app.close(), catalog.close(), customerPrices?.close()]).finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

await start();
