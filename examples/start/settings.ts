import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** The five processes of the reference system, in start order. */
export const SERVICES = ['tenant', 'catalog', 'orders', 'inventory', 'spa'] as const;
export type Service = (typeof SERVICES)[number];

/** Where each service listens by default, and the variable that moves it. */
export const PORTS: Record<Service, { env: string; fallback: number; label: string }> = {
  tenant: { env: 'AUTHMESH_PORT', fallback: 4000, label: 'the tenant (authmesh)' },
  catalog: { env: 'CATALOG_PORT', fallback: 4001, label: 'API 1, catalog' },
  orders: { env: 'ORDERS_PORT', fallback: 4002, label: 'API 2, orders' },
  inventory: { env: 'INVENTORY_PORT', fallback: 4003, label: 'API 3, inventory' },
  spa: { env: 'SPA_PORT', fallback: 5173, label: 'the SPA (Vite)' },
};

export const USAGE = `Usage: npm start [-- [--cross-site] [--verbose]]

Starts the tenant, the three APIs and the SPA of the reference system, prints the URL to open,
and stops all of them on Ctrl-C.

  --cross-site  serve the tenant as http://127.0.0.1:<port>/, which is not same-site with the SPA on
                localhost: shows what happens when the browser blocks third-party cookies
  --verbose     show all output of the APIs and of Vite (default: errors only)
  --help        this text

Environment: AUTHMESH_PORT (4000), SPA_PORT (5173), CATALOG_PORT (4001), ORDERS_PORT (4002),
INVENTORY_PORT (4003), AUTHMESH_DATA (./.authmesh: the tenant's keys, sessions, generated client secrets),
AUTHMESH_START_SPA=0 (everything but the SPA).`;

/** A mistake in the command line or the environment; the message says how to fix it. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** What this run of `npm start` was asked to do. */
export interface Settings {
  help: boolean;
  crossSite: boolean;
  verbose: boolean;
  /** False when AUTHMESH_START_SPA=0, or when the SPA's sources are not there. */
  withSpa: boolean;
  /** Why the SPA is not started, when it is not. */
  spaSkipped?: string;
  ports: Record<Service, number>;
  repoRoot: string;
  dataDir: string;
  tenantFile: string;
  spaDir: string;
}

/**
 * Reads the command line and the environment.
 *
 * @throws SettingsError for an unknown flag, a malformed port or two services on one port.
 */
export function readSettings(argv: string[], env: NodeJS.ProcessEnv, repoRoot: string): Settings {
  let values: { 'cross-site'?: boolean; verbose?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'cross-site': { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean' } },
    }));
  } catch (error) {
    throw new SettingsError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const ports = readPorts(env);
  const spaDir = join(repoRoot, 'examples', 'spa');
  let spaSkipped: string | undefined;
  if (env.AUTHMESH_START_SPA === '0') spaSkipped = 'not started (AUTHMESH_START_SPA=0)';
  else if (!existsSync(join(spaDir, 'index.html')))
    spaSkipped = 'not started: examples/spa/index.html does not exist yet';
  return {
    help: values.help === true,
    crossSite: values['cross-site'] === true,
    verbose: values.verbose === true,
    withSpa: spaSkipped === undefined,
    ...(spaSkipped !== undefined ? { spaSkipped } : {}),
    ports,
    repoRoot,
    dataDir: resolve(env.AUTHMESH_DATA?.trim() || join(repoRoot, '.authmesh')),
    tenantFile: join(repoRoot, 'examples', 'tenant.yaml'),
    spaDir,
  };
}

function readPorts(env: NodeJS.ProcessEnv): Record<Service, number> {
  const ports = {} as Record<Service, number>;
  const owners = new Map<number, Service>();
  for (const service of SERVICES) {
    const { env: name, fallback } = PORTS[service];
    const raw = env[name]?.trim() || String(fallback);
    const port = Number(raw);
    if (!/^\d+$/.test(raw) || port < 1 || port > 65_535) {
      throw new SettingsError(`${name}="${raw}" is not a TCP port. Fix: set it to a number from 1 to 65535.`);
    }
    const other = owners.get(port);
    if (other) {
      throw new SettingsError(
        `${PORTS[other].env} and ${name} are both ${port}. Fix: give each service its own port, e.g. ${name}=${port + 10}.`,
      );
    }
    owners.set(port, service);
    ports[service] = port;
  }
  return ports;
}
