import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  AuthmeshError,
  createTenant,
  ensureLocalCertificates,
  type LocalCertificates,
  loadTenantConfigFile,
  type Tenant,
} from '@authmesh/server';
import { type DevArgs, parseCommandLine, USAGE, UsageError } from './args.ts';
import { formatAudit } from './audit.ts';
import { formatBanner } from './banner.ts';
import { exportCommand, importCommand } from './tenant-as-code.ts';
import { trustInstructions } from './trust.ts';

/**
 * Entry of the `authmesh` command; returns the exit code. Errors the user can fix (bad flags, a bad
 * tenant.yaml, a port in use) print one clear message and exit 1; nothing starts half-configured.
 */
export async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseCommandLine>;
  try {
    args = parseCommandLine(argv);
  } catch (error) {
    console.error(`authmesh: ${(error as Error).message}\n\n${USAGE}`);
    return error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
  if (args.command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (args.command === 'version') {
    console.log(version());
    return 0;
  }
  try {
    if (args.command === 'export') return await exportCommand(args);
    if (args.command === 'import') return await importCommand(args);
  } catch (error) {
    if (error instanceof AuthmeshError) {
      console.error(`authmesh: ${error.message}`);
      return 1;
    }
    throw error;
  }
  return dev(args);
}

async function dev(args: DevArgs): Promise<number> {
  const started = performance.now();
  let tenant: Tenant;
  let tls: LocalCertificates | undefined;
  try {
    const config = await loadTenantConfigFile(resolve(args.config));
    if (args.https) tls = await ensureTls(resolve(args.data));
    tenant = await createTenant({
      config,
      port: args.port,
      host: args.host,
      trustProxy: args.trustProxy,
      dataDir: resolve(args.data),
      ...(args.issuer !== undefined ? { issuer: args.issuer } : {}),
      ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
      onError: (error) => console.error(`authmesh: internal error: ${error.message}`),
      onAudit: (event) => console.log(formatAudit(event)),
    });
  } catch (error) {
    if (error instanceof AuthmeshError) {
      console.error(`authmesh: ${error.message}`);
      return 1;
    }
    throw error;
  }
  console.log(formatBanner(tenant, Math.round(performance.now() - started), tls ? trustInstructions(tls) : []));

  await new Promise<void>((resolveStop) => {
    const stop = (signal: NodeJS.Signals) => {
      console.log(`\nauthmesh: ${signal} received, stopping`);
      resolveStop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await tenant.close();
  return 0;
}

/** The local CA and leaf in `<data>/tls`; a file-system problem becomes one clear start-up error. */
async function ensureTls(dataDir: string): Promise<LocalCertificates> {
  const dir = join(dataDir, 'tls');
  try {
    return await ensureLocalCertificates(dir);
  } catch (cause) {
    throw new AuthmeshError(
      'ERR_TENANT_START',
      `cannot prepare the HTTPS certificate in ${dir}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
