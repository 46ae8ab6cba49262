import { join } from 'node:path';
import { AuthmeshError } from '../errors.ts';
import type { Storage } from './contract.ts';
import { openPostgresStorage } from './postgres.ts';
import { redactUrl } from './postgres-connection.ts';
import { openSqliteStorage } from './sqlite.ts';

/** The environment variable that names the database when `--database` is not given. */
export const DATABASE_URL_ENV = 'AUTHMESH_DATABASE_URL';

/** Where a tenant's state lives: a database server, or the embedded SQLite file of a data directory. */
export interface StorageLocation {
  /**
   * A `postgres://` (or `postgresql://`) URL: the tenant's state lives in that database, which several
   * tenant processes may share. Takes precedence over `dataDir`.
   */
  database?: string | undefined;
  /** SQLite in `<dataDir>/tenant.db` (default `./.authmesh`); `null` keeps everything in memory. */
  dataDir?: string | null | undefined;
}

/** Options of {@link openStorage}: where, and the backend-independent knobs. */
export interface OpenStorageOptions extends StorageLocation {
  /** How often expired model records are deleted, in ms; 0 disables the timer. Backend default otherwise. */
  sweepIntervalMs?: number;
}

/** True for a URL the Postgres backend accepts. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * The database URL a command should use: the `--database` flag, else `AUTHMESH_DATABASE_URL`, else none
 * (SQLite in the data directory). An empty value counts as none.
 */
export function resolveDatabaseUrl(
  flag: string | undefined,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const url = flag || env[DATABASE_URL_ENV];
  return url === '' ? undefined : url;
}

/**
 * Opens the storage a tenant runs on: Postgres when `database` is given (schema migrated first, under an
 * advisory lock), otherwise SQLite in the data directory, the default. Only the SQLite file needs the
 * data-directory lock (`lockDataDir`): processes sharing a Postgres database is what that backend is for.
 *
 * @throws AuthmeshError `ERR_STORAGE` when the URL is not a Postgres one or the storage cannot be opened.
 */
export async function openStorage(options: OpenStorageOptions): Promise<Storage> {
  const sweep = options.sweepIntervalMs === undefined ? {} : { sweepIntervalMs: options.sweepIntervalMs };
  if (options.database !== undefined) {
    if (!isPostgresUrl(options.database)) {
      throw new AuthmeshError(
        'ERR_STORAGE',
        `unsupported database URL ${redactUrl(options.database)}: expected postgres://user:password@host:5432/database`,
      );
    }
    return openPostgresStorage({ url: options.database, ...sweep });
  }
  const path = options.dataDir === null ? ':memory:' : join(options.dataDir ?? '.authmesh', 'tenant.db');
  return openSqliteStorage({ path, ...sweep });
}
