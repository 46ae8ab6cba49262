/**
 * `@authmesh/server`: a local, Auth0-compatible tenant.
 *
 * @example
 * ```ts
 * import { createTenant, loadTenantConfigFile } from '@authmesh/server';
 * const tenant = await createTenant({ config: await loadTenantConfigFile('tenant.yaml'), port: 0, dataDir: null });
 * console.log(tenant.issuer); // http://localhost:54321/
 * await tenant.close();
 * ```
 */

export type { ActionLogLine } from './actions/types.ts';
export { loadKeywordMappings } from './config/keyword-mappings.ts';
export { type KeywordOptions, loadTenantConfigFile, parseTenantConfig } from './config/load.ts';
export type * from './config/types.ts';
export type { ConsoleAccess } from './console/access.ts';
export type { Inspection } from './console/inspect.ts';
export type { ConsoleSystem } from './console/system.ts';
export {
  createTenant,
  type KeyRotationOptions,
  lastIssuer,
  type Tenant,
  type TenantClient,
  type TenantObservability,
  type TenantOptions,
} from './create-tenant.ts';
export { AuthmeshError, type AuthmeshErrorCode, ConfigError, type ConfigIssue } from './errors.ts';
export {
  type AccessRow,
  type ExplainOptions,
  type ExplainTenant,
  explainToken,
  type LintFinding,
  type LintReport,
  lintTenant,
  type PublicJwk,
  type TokenVerdict,
} from './explain/index.ts';
export type { AuditEvent } from './management/types.ts';
export { createJsonLogger, type Logger } from './observability/logger.ts';
export { type LoginOutcome, TenantMetrics } from './observability/metrics.ts';
export { currentRequestId } from './observability/request-id.ts';
export type { Storage } from './storage/contract.ts';
export { type DataDirLock, lockDataDir } from './storage/data-dir-lock.ts';
export {
  DATABASE_URL_ENV,
  isPostgresUrl,
  type OpenStorageOptions,
  openStorage,
  resolveDatabaseUrl,
  type StorageLocation,
} from './storage/open.ts';
export { migratePostgres, openPostgresStorage, type PostgresStorageOptions } from './storage/postgres.ts';
export type { MigrationReport } from './storage/postgres-migrate.ts';
export { securePrivateDirectory } from './storage/private-files.ts';
export { openSqliteStorage } from './storage/sqlite.ts';
export type { ActivityEvent, ActivityPayload } from './tenant/activity.ts';
export {
  listSigningKeys,
  revokeSigningKey,
  rotateSigningKey,
  type SigningKeySummary,
} from './tenant/signing-key-admin.ts';
export type { SigningKeyPhase } from './tenant/signing-key-set.ts';
export {
  applyImport,
  type ExportedFile,
  type ExportOptions,
  exportTenant,
  exportTenantFiles,
  formatPlan,
  type ImportPlan,
  planHasChanges,
  planImport,
} from './tenant-as-code/index.ts';
export {
  type EnsureOptions,
  ensureLocalCertificates,
  type LocalCertificates,
  TLS_FILES,
} from './tls/local-ca.ts';
