import { DEFAULT_DATABASE } from '../config/connections.ts';
import type { Connection } from '../config/types.ts';
import { isDatabase } from '../tenant/connections.ts';
import type { ConnectionRecord } from '../tenant/records.ts';
import { compare } from './canonical.ts';
import type { Comparison } from './diff.ts';

/*
 * Connections in tenant.yaml: `databases` (strategy auth0) and `connections` (the others), with client
 * NAMES in `enabled_clients` as the Deploy CLI writes them. A connection enabled for every client is
 * written without `enabled_clients`, which is what declares that.
 */

/** The `databases` and `connections` sections of an export (each omitted when empty). */
export function connectionSections(
  records: readonly ConnectionRecord[],
  clientNames: ReadonlyMap<string, string>,
): { databases?: unknown[]; connections?: unknown[] } {
  const sorted = [...records].sort((a, b) => compare(a.name, b.name));
  const databases = sorted.filter(isDatabase);
  const others = sorted.filter((c) => !isDatabase(c));
  // A tenant with nothing but the database every file gets by default exports no `databases:`.
  const implicit = databases.length === 1 && databases[0] !== undefined && isImplicitDefault(databases[0]);
  return {
    ...(databases.length === 0 || implicit ? {} : { databases: databases.map((c) => entry(c, clientNames)) }),
    ...(others.length === 0 ? {} : { connections: others.map((c) => entry(c, clientNames)) }),
  };
}

function entry(connection: ConnectionRecord, clientNames: ReadonlyMap<string, string>): Record<string, unknown> {
  return {
    name: connection.name,
    strategy: connection.strategy,
    ...(connection.display_name === undefined ? {} : { display_name: connection.display_name }),
    ...(connection.enabled_clients === null
      ? {}
      : { enabled_clients: connection.enabled_clients.map((id) => clientNames.get(id) ?? id).sort(compare) }),
    ...(Object.keys(connection.options).length === 0 ? {} : { options: connection.options }),
    ...(connection.metadata === undefined ? {} : { metadata: connection.metadata }),
  };
}

function isImplicitDefault(connection: ConnectionRecord): boolean {
  const db = connection.database;
  return (
    connection.name === DEFAULT_DATABASE &&
    connection.enabled_clients === null &&
    Object.keys(connection.options).length === 0 &&
    connection.display_name === undefined &&
    connection.metadata === undefined &&
    db !== undefined &&
    !db.disable_signup &&
    !db.requires_username &&
    db.passwordPolicy === 'good' &&
    db.min_length === undefined &&
    db.brute_force_protection
  );
}

function fields(connection: Omit<Connection, 'enabled_clients'>, enabled: readonly string[] | null) {
  return {
    strategy: connection.strategy,
    display_name: connection.display_name,
    enabled_clients: enabled === null ? null : [...enabled].sort(compare),
    options: connection.options,
    metadata: connection.metadata,
  };
}

/** What an import would change on a connection; `clientId` resolves a client name as seeding does. */
export function compareConnection(
  connection: Connection,
  stored: ConnectionRecord | undefined,
  clientId: (reference: string) => string,
): Comparison {
  const enabled = connection.enabled_clients === undefined ? null : connection.enabled_clients.map(clientId);
  return { desired: fields(connection, enabled), stored: stored && fields(stored, stored.enabled_clients) };
}
