import { resolve } from 'node:path';
import {
  AuthmeshError,
  createJsonLogger,
  createTenant,
  currentRequestId,
  type DataDirLock,
  type Logger,
  loadKeywordMappings,
  loadTenantConfigFile,
  lockDataDir,
  securePrivateDirectory,
  type Tenant,
  TenantMetrics,
} from '@authmesh/server';
import type { ServeArgs } from './args.ts';
import { databaseOf } from './database.ts';

/**
 * `authmesh serve`: the same tenant as `authmesh dev`, run for production. Everything it prints is one
 * JSON object per line on stdout (pino), and none of it is a secret: no client secret, no token, no
 * password, no query string. Health probes on the tenant's port, Prometheus metrics on their own
 * listener, and SIGTERM/SIGINT drain the tenant before it exits 0.
 */
export async function serve(args: ServeArgs, logger: Logger = createJsonLogger()): Promise<number> {
  let tenant: Tenant;
  let lock: DataDirLock | undefined;
  try {
    const mappings = args.keywords === undefined ? {} : await loadKeywordMappings(resolve(args.keywords));
    const config = await loadTenantConfigFile(resolve(args.config), process.env, { mappings });
    const dataDir = resolve(args.data);
    const database = databaseOf(args);
    // The data directory holds the SQLite file; with a Postgres database it is not used, and not locked.
    if (database === undefined) {
      const warning = securePrivateDirectory(dataDir);
      if (warning !== undefined) logger.warn({ data_dir: dataDir }, warning);
      lock = lockDataDir(dataDir);
    }
    tenant = await createTenant({
      config,
      port: args.port,
      host: args.host,
      issuer: args.issuer,
      trustProxy: args.trustProxy,
      dataDir,
      ...(database === undefined ? {} : { database }),
      ...(args.rotationDelayMs === undefined ? {} : { keyRotation: { delayMs: args.rotationDelayMs } }),
      ...(args.clientCredentialsFastPath === false ? { clientCredentialsFastPath: false } : {}),
      // The console for anyone with a Management API token that reads the tenant; never the tokens themselves.
      console: { access: 'management-token' },
      observe: {
        logger,
        metrics: new TenantMetrics({ processMetrics: true }),
        ...(args.metricsPort === undefined
          ? {}
          : { metricsListener: { port: args.metricsPort, host: args.metricsHost } }),
      },
      // Errors and audit events carry the id of the request they happened in, to find it among the access
      // lines (action lines cannot: they arrive from the actions' worker thread, outside any request). Of an
      // error, the class and message only: engine messages describe the failure, never the request's values.
      onError: (error) =>
        logger.error(
          { req_id: currentRequestId(), error: { type: error.name, message: error.message } },
          'internal error',
        ),
      onAudit: (event) => logger.info({ req_id: currentRequestId(), audit: event }, 'audit'),
      onActionLog: (line) =>
        logger[line.level === 'error' ? 'error' : line.level === 'warn' ? 'warn' : 'info'](
          { action: line.action, trigger: line.trigger },
          line.message,
        ),
    });
  } catch (error) {
    lock?.release();
    if (error instanceof AuthmeshError) {
      logger.fatal({ code: error.code }, `cannot start: ${error.message}`);
      return 1;
    }
    throw error;
  }
  for (const warning of tenant.warnings) logger.warn(warning);
  const generated = tenant.clients.filter((c) => c.client_secret_generated).map((c) => c.client_id);
  if (generated.length > 0) {
    logger.warn(
      { client_ids: generated },
      'client secrets were generated for these clients; read them with authmesh export --include-secrets',
    );
  }
  // Listen before announcing readiness: a supervisor may send SIGTERM the moment it sees the line.
  const stopped = new Promise<NodeJS.Signals>((resolveStop) => {
    process.once('SIGINT', resolveStop);
    process.once('SIGTERM', resolveStop);
  });
  logger.info(
    {
      issuer: tenant.issuer,
      listening: tenant.url,
      ...(tenant.metricsUrl === undefined ? {} : { metrics: tenant.metricsUrl }),
      ...(args.rotationDelayMs === undefined ? {} : { rotation_delay_s: args.rotationDelayMs / 1_000 }),
      clients: tenant.clients.map((c) => ({ name: c.name, client_id: c.client_id })),
      users: tenant.users.length,
    },
    'authmesh tenant ready',
  );
  const signal = await stopped;
  // drain() stops accepting before it returns: once this line is out, new connections are refused.
  const drained = tenant.drain(args.drainTimeoutMs);
  logger.info({ signal, grace_ms: args.drainTimeoutMs }, 'draining');
  await drained;
  lock?.release();
  logger.info('stopped');
  return 0;
}
