import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { AuthmeshError } from '../errors.ts';

/** The folder of the schema migrations: `NNN_name.sql`, applied in order, each once. */
const MIGRATIONS_DIR = join(import.meta.dirname, 'postgres-migrations');

/**
 * The key of the session-level advisory lock held while migrating. Any fixed 64-bit number works; this one
 * spells "authmesh" in ASCII so that an operator who sees it in `pg_locks` can tell whose it is.
 */
const MIGRATION_LOCK_KEY = '7022647185814942568';

/** One schema migration, read from its SQL file. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** What {@link migrateSchema} did. */
export interface MigrationReport {
  /** The versions this call applied (empty when the schema was already current). */
  applied: number[];
  /** The schema version afterwards. */
  version: number;
}

/** The migrations shipped with this authmesh, in order. Forward-only: a shipped file is never edited. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file, index) => {
      const match = /^(\d+)_([\w-]+)\.sql$/.exec(file);
      const version = Number(match?.[1]);
      if (match === null || version !== index + 1) {
        throw new AuthmeshError(
          'ERR_STORAGE',
          `storage: migration file ${file} is out of sequence (expected ${index + 1}_…)`,
        );
      }
      return { version, name: match[2] ?? '', sql: readFileSync(join(dir, file), 'utf8') };
    });
  return migrations;
}

/**
 * Brings the database schema to the newest migration, on one dedicated connection. Every process runs this at
 * start: a session advisory lock makes them take turns, and each re-reads `schema_migrations` under the lock,
 * so two processes starting together migrate once. Each migration commits in its own transaction with its
 * `schema_migrations` row: a failed one leaves the schema at the previous version, never half-applied.
 *
 * @throws AuthmeshError `ERR_STORAGE` when the database has a newer schema than this authmesh knows.
 */
export async function migrateSchema(client: pg.ClientBase, migrations = loadMigrations()): Promise<MigrationReport> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    const newest = migrations.length;
    let current = await schemaVersion(client);
    // A current schema needs no DDL at all, so a role that may only read and write rows starts fine.
    if (current === newest) return { applied: [], version: newest };
    if (current === 0) {
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version    integer PRIMARY KEY,
           name       text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      current = await schemaVersion(client);
    }
    if (current > newest) {
      throw new AuthmeshError(
        'ERR_STORAGE',
        `storage schema version ${current} is newer than this authmesh supports (${newest}); upgrade authmesh`,
      );
    }
    const applied: number[] = [];
    for (const migration of migrations.slice(current)) {
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      applied.push(migration.version);
    }
    return { applied, version: newest };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  }
}

/** The newest applied migration; 0 for a database never migrated (no `schema_migrations` table). */
export async function schemaVersion(client: pg.ClientBase): Promise<number> {
  const { rows: table } = await client.query<{ exists: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS exists",
  );
  if (!table[0]?.exists) return 0;
  const { rows } = await client.query<{ version: number | null }>(
    'SELECT max(version) AS version FROM schema_migrations',
  );
  return rows[0]?.version ?? 0;
}
