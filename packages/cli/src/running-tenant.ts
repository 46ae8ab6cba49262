import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lastIssuer, openSqliteStorage } from '@authmesh/server';

/** What the tools learn about a tenant `authmesh dev` runs from a data directory: ids and secrets it generated. */
export interface RunningTenant {
  issuer: string;
  clients: { name: string; client_id: string; client_secret?: string }[];
  users: { email: string; user_id: string }[];
}

/**
 * Reads the tenant in `data` (read-only, while `authmesh dev` may be running on it): its issuer, clients
 * with generated ids and secrets, and users. Without a data directory, only `issuer` (default
 * `http://localhost:4000/`) and nothing generated.
 */
export async function readRunningTenant(data: string, issuer: string | undefined): Promise<RunningTenant> {
  const path = join(resolve(data), 'tenant.db');
  if (!existsSync(path)) return { issuer: withSlash(issuer ?? 'http://localhost:4000/'), clients: [], users: [] };
  const storage = openSqliteStorage({ path, sweepIntervalMs: 0 });
  try {
    const [clients, users] = await Promise.all([
      storage.entities.list<RunningTenant['clients'][number]>('client'),
      storage.entities.list<RunningTenant['users'][number]>('user'),
    ]);
    return {
      issuer: withSlash(issuer ?? (await lastIssuer(storage)) ?? 'http://localhost:4000/'),
      clients: clients.items.map(({ doc }) => ({
        name: doc.name,
        client_id: doc.client_id,
        ...(doc.client_secret === undefined ? {} : { client_secret: doc.client_secret }),
      })),
      users: users.items.map(({ doc }) => ({ email: doc.email, user_id: doc.user_id })),
    };
  } finally {
    await storage.close();
  }
}

function withSlash(issuer: string): string {
  return issuer.endsWith('/') ? issuer : `${issuer}/`;
}
