/**
 * Starts the inventory API (API 3) from environment variables: `AUTH0_ISSUER_BASE_URL`,
 * `INVENTORY_AUDIENCE`, `PORT`, `HOST`, `SPA_ORIGIN`, and for its calls to the catalog `CATALOG_URL`,
 * `CATALOG_AUDIENCE`, `AUTH0_CLIENT_ID`, `AUTH0_CLIENT_SECRET`. The same process runs against authmesh or
 * a real Auth0 tenant.
 *
 * @example
 * AUTH0_ISSUER_BASE_URL=http://localhost:4000/ AUTH0_CLIENT_ID=… AUTH0_CLIENT_SECRET=… node examples/inventory-api/src/main.ts
 */
import { serve } from '@hono/node-server';
import { EnvError } from '../../shared/env.ts';
import { createApp } from './app.ts';
import { type CatalogClient, createCatalogClient } from './catalog.ts';
import { type InventoryConfig, readConfig } from './config.ts';

const NAME = 'inventory-api';

function start(): void {
  let config: InventoryConfig;
  let catalog: CatalogClient;
  let app: ReturnType<typeof createApp>;
  try {
    config = readConfig(process.env);
    // Both validate their options (e.g. an http issuer that is not loopback) and throw here, not later.
    catalog = createCatalogClient(config);
    app = createApp(config, catalog);
  } catch (error) {
    const lines = error instanceof EnvError ? error.problems : [(error as Error).message];
    console.error(`${NAME}: cannot start:\n${lines.map((l) => `  - ${l}`).join('\n')}`);
    process.exit(1);
  }
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => {
    console.log(`${NAME}: listening on http://${config.host}:${config.port} for audience ${config.audience}`);
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    const fix = error.code === 'EADDRINUSE' ? ' Fix: stop what uses it, or set PORT to a free port.' : '';
    console.error(`${NAME}: cannot listen on ${config.host}:${config.port}: ${error.message}.${fix}`);
    process.exit(1);
  });

  const stop = () => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close(() => void catalog.close().finally(() => process.exit(0)));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

start();
