import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  applyImport,
  exportTenantFiles,
  formatPlan,
  lastIssuer,
  loadKeywordMappings,
  loadTenantConfigFile,
  openSqliteStorage,
  openStorage,
  planImport,
  type Storage,
} from '@authmesh/server';
import type { ExportArgs, ImportArgs } from './args.ts';
import { databaseOf } from './database.ts';

/** `authmesh export`: the live tenant (with /api/v2 changes) as a Deploy CLI tenant.yaml. */
export async function exportCommand(args: ExportArgs): Promise<number> {
  return withStorage(args, async (storage) => {
    const issuer = await issuerOf(storage, args.issuer);
    const { text, files } = await exportTenantFiles(storage, {
      issuer,
      includeSecrets: args.includeSecrets,
      users: args.users ? 'placeholders' : 'omit',
    });
    // Action code goes beside the YAML (`code: ./actions/<name>/code.js`), as the Deploy CLI writes it;
    // printed to stdout there is no folder to write it to.
    if (args.out === undefined && files.length > 0) {
      console.error("authmesh: the actions' code files are written only with --out (beside the YAML)");
    }
    for (const file of args.out === undefined ? [] : files) {
      const path = join(dirname(resolve(args.out ?? '.')), file.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, file.content);
      console.error(`authmesh: wrote ${path}`);
    }
    if (args.out === undefined) process.stdout.write(text);
    else {
      await writeFile(resolve(args.out), text, { mode: args.includeSecrets ? 0o600 : 0o644 });
      console.error(`authmesh: wrote ${args.out}${args.includeSecrets ? ' (contains secrets: keep it private)' : ''}`);
    }
    return 0;
  });
}

/** `authmesh import`: applies a tenant.yaml (or, with --dry-run, prints what it would change). */
export async function importCommand(args: ImportArgs): Promise<number> {
  const mappings = args.keywords === undefined ? {} : await loadKeywordMappings(resolve(args.keywords));
  const config = await loadTenantConfigFile(resolve(args.file), process.env, { mappings });
  return withStorage(args, async (storage) => {
    const issuer = await issuerOf(storage, args.issuer);
    const plan = args.dryRun ? await planImport(storage, config, issuer) : await applyImport(storage, config, issuer);
    process.stdout.write(formatPlan(plan));
    if (!args.dryRun) {
      const where =
        databaseOf(args) === undefined ? '`authmesh dev` on this data directory' : 'tenant on this database';
      console.error(`authmesh: applied. A running ${where} picks it up when restarted.`);
    }
    return 0;
  });
}

export async function withStorage(
  { data, ...args }: { data: string; database?: string },
  run: (storage: Storage) => Promise<number>,
): Promise<number> {
  const database = databaseOf(args);
  if (database !== undefined) {
    // A Postgres database may be empty (import is how a tenant moves there): it is migrated, then used.
    const storage = await openStorage({ database, sweepIntervalMs: 0 });
    try {
      return await run(storage);
    } finally {
      await storage.close();
    }
  }
  const path = join(resolve(data), 'tenant.db');
  if (!existsSync(path)) {
    console.error(
      `authmesh: no tenant in ${resolve(data)}; start one there first with \`authmesh dev --data ${data} …\``,
    );
    return 1;
  }
  const storage = openSqliteStorage({ path, sweepIntervalMs: 0 });
  try {
    return await run(storage);
  } finally {
    await storage.close();
  }
}

export async function issuerOf(storage: Storage, given: string | undefined): Promise<string> {
  return given ?? (await lastIssuer(storage)) ?? 'http://localhost:4000/';
}
