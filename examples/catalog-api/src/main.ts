/**
 * Starts the catalog API (API 1) from environment variables: `AUTH0_ISSUER_BASE_URL`, `CATALOG_AUDIENCE`,
 * `PORT`, `HOST`, `SPA_ORIGIN`. The same process runs against authmesh or a real Auth0 tenant.
 *
 * @example
 * AUTH0_ISSUER_BASE_URL=http://localhost:4000/ node examples/catalog-api/src/main.ts
 */
import { createServer } from 'node:http';
import { EnvError } from '../../shared/env.ts';
import { createApp } from './app.ts';
import { readConfig } from './config.ts';

const NAME = 'catalog-api';

function start(): void {
  let server: ReturnType<typeof createServer>;
  let config: ReturnType<typeof readConfig>;
  try {
    config = readConfig(process.env);
    // createApp validates the SDK options (e.g. an http issuer that is not loopback) and throws here.
    server = createServer(createApp(config));
  } catch (error) {
    const lines = error instanceof EnvError ? error.problems : [(error as Error).message];
    console.error(`${NAME}: cannot start:\n${lines.map((l) => `  - ${l}`).join('\n')}`);
    process.exit(1);
  }
  server.on('error', (error: NodeJS.ErrnoException) => {
    const fix = error.code === 'EADDRINUSE' ? ' Fix: stop what uses it, or set PORT to a free port.' : '';
    console.error(`${NAME}: cannot listen on ${config.host}:${config.port}: ${error.message}.${fix}`);
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    console.log(`${NAME}: listening on http://${config.host}:${config.port} for audience ${config.audience}`);
  });

  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

start();
