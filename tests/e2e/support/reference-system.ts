import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStorage } from '@authmesh/server';

const START = fileURLToPath(new URL('../../../examples/start.ts', import.meta.url));
const READY_TIMEOUT_MS = 45_000;
const STOP_TIMEOUT_MS = 10_000;

/** How to start the reference system. */
export interface ReferenceSystemOptions {
  /** `npm start -- --cross-site`: the tenant's issuer is `http://127.0.0.1:<port>/`, the SPA stays on localhost. */
  crossSite?: boolean;
  /** Start the SPA's Vite dev server too. Default true; `false` sets `AUTHMESH_START_SPA=0`. */
  withSpa?: boolean;
  /** `npm start -- --verbose`: the APIs' own log lines are in `output()` too. */
  verbose?: boolean;
}

/** A running reference system: tenant, three APIs and (optionally) the SPA, all on free ports. */
export interface ReferenceSystem {
  /** The tenant's issuer, with its trailing slash (`http://localhost:<port>/`, or 127.0.0.1 cross-site). */
  tenantIssuer: string;
  /** The SPA's URL, with its trailing slash: the registered callback and logout URL. Set even without the SPA. */
  spaUrl: string;
  apiUrls: { catalog: string; orders: string; inventory: string };
  /** Where the tenant keeps its state (a temporary directory, removed by `stop`). */
  dataDir: string;
  /** The ready time `examples/start.ts` printed (from its process start until every service answered). */
  readyMs: number;
  /** Everything start.ts printed so far, both streams. */
  output(): string;
  /** Its exit code once it has exited (after `stop`). */
  readonly exitCode: number | null | undefined;
  /** Ctrl-C: SIGINT to start.ts, which stops every process; resolves once it exited. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Runs `node examples/start.ts` (what `npm start` runs) as a child process on free ports with a
 * temporary data directory, and resolves once it printed its ready block.
 *
 * @throws Error with start.ts's output when it exits or does not get ready in time.
 */
export async function startReferenceSystem(options: ReferenceSystemOptions = {}): Promise<ReferenceSystem> {
  const [tenant, spa, catalog, orders, inventory] = await freePorts(5);
  const dataDir = await mkdtemp(join(tmpdir(), 'authmesh-reference-'));
  const env = childEnv({
    AUTHMESH_DATA: dataDir,
    AUTHMESH_PORT: String(tenant),
    SPA_PORT: String(spa),
    CATALOG_PORT: String(catalog),
    ORDERS_PORT: String(orders),
    INVENTORY_PORT: String(inventory),
    AUTHMESH_START_SPA: options.withSpa === false ? '0' : '1',
  });
  const args = [START, ...(options.crossSite ? ['--cross-site'] : []), ...(options.verbose ? ['--verbose'] : [])];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await stopChild(child);
      await rm(dataDir, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    await waitForReady(child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  const field = (label: string) => {
    const match = new RegExp(`^\\s+${label}\\s+(\\S+)`, 'm').exec(output);
    if (!match?.[1]) throw new Error(`start.ts printed no "${label}" line:\n${output}`);
    return match[1];
  };
  return {
    tenantIssuer: field('tenant'),
    spaUrl: `http://localhost:${spa}/`,
    apiUrls: { catalog: field('catalog'), orders: field('orders'), inventory: field('inventory') },
    dataDir,
    readyMs: Number(/ready in (\d+) ms/.exec(output)?.[1]),
    output: () => output,
    get exitCode() {
      return child.exitCode ?? (child.signalCode ? null : undefined);
    },
    stop,
  };
}

/**
 * The generated credentials of one of tenant.yaml's applications (e.g. "Orders Service"), read from the
 * tenant's storage: a test can then get that application's machine-to-machine tokens itself.
 */
export async function readClientCredentials(
  system: ReferenceSystem,
  name: string,
): Promise<{ clientId: string; clientSecret: string }> {
  const storage = openSqliteStorage({ path: join(system.dataDir, 'tenant.db'), sweepIntervalMs: 0 });
  try {
    const entity = await storage.entities.getByKey<{ client_id: string; client_secret?: string }>('client', name);
    if (!entity?.doc.client_secret) throw new Error(`the tenant has no confidential client "${name}"`);
    return { clientId: entity.doc.client_id, clientSecret: entity.doc.client_secret };
  } finally {
    await storage.close();
  }
}

/** The test runner's environment, without what would change how start.ts or Vite behave. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('VITEST') || key === 'NODE_ENV' || key === 'TEST' || key.startsWith('AUTH0_')) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

async function waitForReady(child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!output().includes('Press Ctrl-C to stop everything.')) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `examples/start.ts exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(`examples/start.ts was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Distinct free ports: all are held open together, then released. */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const server = createServer();
      servers.push(server);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    }
    return servers.map((s) => {
      const address = s.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}
