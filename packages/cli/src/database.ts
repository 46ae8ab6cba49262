import { AuthmeshError, isPostgresUrl, migratePostgres, resolveDatabaseUrl } from '@authmesh/server';
import type { MigrateArgs } from './args.ts';

/**
 * The Postgres URL a command runs on: `--database`, else `AUTHMESH_DATABASE_URL`, else undefined (SQLite in
 * the data directory). Refuses anything that is not a postgres:// URL before a tenant starts half-way.
 */
export function databaseOf(args: { database?: string }): string | undefined {
  const url = resolveDatabaseUrl(args.database);
  if (url !== undefined && !isPostgresUrl(url)) {
    throw new AuthmeshError(
      'ERR_STORAGE',
      '--database must be a postgres:// URL, e.g. postgres://authmesh:password@db.internal:5432/authmesh',
    );
  }
  return url;
}

/** `authmesh migrate`: applies the pending schema migrations and says what it did. */
export async function migrateCommand(args: MigrateArgs): Promise<number> {
  const url = databaseOf(args);
  if (url === undefined) {
    console.error('authmesh: migrate needs --database postgres://… (or AUTHMESH_DATABASE_URL); SQLite migrates itself');
    return 2;
  }
  const report = await migratePostgres(url);
  console.log(
    report.applied.length === 0
      ? `authmesh: schema is current (version ${report.version})`
      : `authmesh: applied migration${report.applied.length === 1 ? '' : 's'} ${report.applied.join(', ')}; schema version ${report.version}`,
  );
  return 0;
}
