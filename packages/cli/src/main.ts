import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  AuthmeshError,
  createTenant,
  type DataDirLock,
  ensureLocalCertificates,
  type LocalCertificates,
  loadKeywordMappings,
  loadTenantConfigFile,
  lockDataDir,
  securePrivateDirectory,
  type Tenant,
} from '@authmesh/server';
import { TestingError } from '@authmesh/testing';
import { formatActionLog } from './action-log.ts';
import { type DevArgs, parseCommandLine, USAGE, UsageError } from './args.ts';
import { formatAudit } from './audit.ts';
import { formatBanner } from './banner.ts';
import { databaseOf, migrateCommand } from './database.ts';
import { explainCommand } from './explain.ts';
import { keysCommand } from './keys.ts';
import { lintCommand } from './lint.ts';
import { serve } from './serve.ts';
import { exportCommand, importCommand } from './tenant-as-code.ts';
import { tokenCommand } from './token.ts';
import { trustInstructions } from './trust.ts';

/**
 * Entry of the `authmesh` command; returns the exit code. Errors the user can fix (bad flags, a bad
 * tenant.yaml, a port in use) print one clear message and exit 1; nothing starts half-configured.
 */
export async function main(argv: string[]): Promise<number> {
  // The developer tools parse their own flags (one file each); a refusal of theirs is a usage error.
  const tool = TOOLS[argv[0] ?? ''];
  if (tool) return runTool(tool, argv.slice(1));
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
    if (args.command === 'migrate') return await migrateCommand(args);
  } catch (error) {
    if (error instanceof AuthmeshError) {
      console.error(`authmesh: ${error.message}`);
      return 1;
    }
    throw error;
  }
  if (args.command === 'serve') return serve(args);
  return dev(args);
}

/** Commands that ask a tenant (running, or its tenant.yaml) instead of running one. */
const TOOLS: Record<string, (argv: string[]) => Promise<number>> = {
  token: tokenCommand,
  explain: explainCommand,
  lint: lintCommand,
  keys: keysCommand,
};

async function runTool(tool: (argv: string[]) => Promise<number>, argv: string[]): Promise<number> {
  try {
    return await tool(argv);
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (usage || error instanceof AuthmeshError || error instanceof TestingError) {
      console.error(`authmesh: ${(error as Error).message}`);
      return usage ? 2 : 1;
    }
    throw error;
  }
}

async function dev(args: DevArgs): Promise<number> {
  const started = performance.now();
  // A new token every run: a test suite reads it from this run's output, nobody else can guess it.
  const testModeToken = args.testMode ? randomBytes(32).toString('base64url') : undefined;
  let tenant: Tenant;
  let tls: LocalCertificates | undefined;
  let lock: DataDirLock | undefined;
  try {
    const mappings = args.keywords === undefined ? {} : await loadKeywordMappings(resolve(args.keywords));
    const config = await loadTenantConfigFile(resolve(args.config), process.env, { mappings });
    const database = databaseOf(args);
    // Only the SQLite file is one process's: processes sharing a Postgres database is what it is for.
    if (database === undefined) lock = claimDataDir(resolve(args.data));
    if (args.https) tls = await ensureTls(resolve(args.data));
    tenant = await createTenant({
      config,
      port: args.port,
      host: args.host,
      trustProxy: args.trustProxy,
      dataDir: resolve(args.data),
      ...(database !== undefined ? { database } : {}),
      ...(args.rotationDelayMs === undefined ? {} : { keyRotation: { delayMs: args.rotationDelayMs } }),
      ...(args.clientCredentialsFastPath === false ? { clientCredentialsFastPath: false } : {}),
      ...(args.issuer !== undefined ? { issuer: args.issuer } : {}),
      ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
      onError: (error) => console.error(`authmesh: internal error: ${error.message}`),
      onAudit: (event) => console.log(formatAudit(event)),
      onActionLog: (line) => (line.level === 'error' ? console.error : console.log)(formatActionLog(line)),
      // An edited action file is re-read with the keywords the tenant file was loaded with.
      actionKeywords: { env: process.env, mappings },
      ...(testModeToken === undefined ? {} : { testMode: { token: testModeToken } }),
      // The console, for this machine only: no sign-in, and the stream may show issued tokens.
      console: { access: 'loopback' },
    });
  } catch (error) {
    lock?.release();
    if (error instanceof AuthmeshError) {
      console.error(`authmesh: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const banner = formatBanner(tenant, Math.round(performance.now() - started), {
    trust: tls ? trustInstructions(tls) : [],
    showSecrets: args.showSecrets,
  });
  // Listen before printing: whoever waits for the banner may send SIGINT the moment it appears, and
  // without a listener the signal kills the process before the tenant and the lock are closed.
  const stopped = new Promise<void>((resolveStop) => {
    const stop = (signal: NodeJS.Signals) => {
      console.log(`\nauthmesh: ${signal} received, stopping`);
      resolveStop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.log(banner);
  if (testModeToken !== undefined) {
    console.log(`test mode: ${tenant.issuer}__authmesh/test/ with Authorization: Bearer ${testModeToken}`);
  }
  await stopped;
  await tenant.close();
  lock?.release();
  return 0;
}

/**
 * Makes the data directory private (0700, files 0600; one warning line if it was not) and takes it for
 * this process: a second `authmesh dev` on it would serve stale clients and grants, so it refuses to start.
 */
function claimDataDir(dataDir: string): DataDirLock {
  let warning: string | undefined;
  try {
    warning = securePrivateDirectory(dataDir);
  } catch (cause) {
    throw new AuthmeshError(
      'ERR_TENANT_START',
      `cannot prepare the data directory ${dataDir}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  if (warning !== undefined) console.error(`authmesh: warning: ${warning}`);
  try {
    return lockDataDir(dataDir);
  } catch (cause) {
    if (cause instanceof AuthmeshError) throw cause;
    throw new AuthmeshError(
      'ERR_TENANT_START',
      `cannot lock the data directory ${dataDir}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
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
