import type { Catalog } from './catalog.ts';
import { isRecord, type PathSegment } from './format-path.ts';
import { type IssueCollector, quote } from './issues.ts';
import { listOf } from './references.ts';
import { didYouMean } from './suggest.ts';
import type { Connection, DatabaseOptions, PasswordPolicy } from './types.ts';

/** The connection every Auth0 tenant starts with; authmesh declares it when the file declares no database. */
export const DEFAULT_DATABASE = 'Username-Password-Authentication';

/** Auth0's strategy name for its own user store (a "database connection"). */
export const DATABASE_STRATEGY = 'auth0';

/**
 * The fields of Auth0's connection schema (Management API and the Deploy CLI's `databases`/`connections`).
 * authmesh reads name, strategy, display_name, options, enabled_clients and metadata; the others are
 * accepted and kept out of the way. A key outside this list is a typo.
 */
export const CONNECTION_FIELDS = [
  'id',
  'name',
  'display_name',
  'strategy',
  'options',
  'enabled_clients',
  'realms',
  'is_domain_connection',
  'show_as_button',
  'metadata',
  'provisioning_ticket_url',
  'scim_configuration',
  'authentication',
  'connected_accounts',
  'cross_app_access_requesting_app',
  'cross_app_access_resource_app',
  'directory_provisioning_configuration',
] as const;

const PASSWORD_POLICIES: readonly PasswordPolicy[] = ['none', 'low', 'fair', 'good', 'excellent'];

/** Auth0's name rule for connections: letters, digits and dashes, not starting or ending with a dash. */
const CONNECTION_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,126}[A-Za-z0-9])?$/;

/**
 * Reads the Deploy CLI's `databases` and `connections` sections into {@link Connection}s. Only what
 * authmesh acts on is checked (name, strategy, enabled_clients, and the database options it honours);
 * every other option of Auth0's strategy-specific schemas is accepted as is, because Auth0 accepts it.
 * With no database connection declared, Auth0's `Username-Password-Authentication` is declared, enabled for every client.
 */
export function normalizeConnections(raw: unknown, catalog: Catalog, issues: IssueCollector): Connection[] {
  const file = isRecord(raw) ? raw : {};
  const out: Connection[] = [];
  const seen = new Map<string, string>();
  const databases = readSection(file, 'databases', issues);
  for (const [i, entry] of databases.entries()) {
    const connection = parseConnection(entry, ['databases', i], 'database', catalog, issues);
    if (connection) addUnique(out, seen, connection, ['databases', i], issues);
  }
  for (const [i, entry] of readSection(file, 'connections', issues).entries()) {
    const connection = parseConnection(entry, ['connections', i], 'social', catalog, issues);
    if (connection) addUnique(out, seen, connection, ['connections', i], issues);
  }
  if (!out.some((c) => c.strategy === DATABASE_STRATEGY)) {
    out.unshift(defaultDatabase());
  }
  return out;
}

/** Auth0's default database connection, with Auth0's defaults for a new one. */
export function defaultDatabase(): Connection {
  return {
    name: DEFAULT_DATABASE,
    strategy: DATABASE_STRATEGY,
    options: {},
    database: databaseDefaults(),
  };
}

/** A new database connection's options on Auth0 (signup open, policy `good`, brute-force protection on). */
export function databaseDefaults(): DatabaseOptions {
  return { disable_signup: false, requires_username: false, passwordPolicy: 'good', brute_force_protection: true };
}

function readSection(file: Record<string, unknown>, section: string, issues: IssueCollector): unknown[] {
  const value = file[section];
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  issues.error([section], `${section} must be a list`, `write each connection as a list item (\`- name: …\`)`);
  return [];
}

function addUnique(
  out: Connection[],
  seen: Map<string, string>,
  connection: Connection,
  path: PathSegment[],
  issues: IssueCollector,
): void {
  const earlier = seen.get(connection.name.toLowerCase());
  if (earlier !== undefined) {
    issues.error(
      [...path, 'name'],
      `connection name ${quote(connection.name)} is already used by ${earlier}`,
      'give each connection its own name: Auth0 names are unique per tenant, whatever the letter case',
    );
    return;
  }
  seen.set(connection.name.toLowerCase(), issues.where([...path, 'name']));
  out.push(connection);
}

/**
 * One connection entry. `kind` is the section it came from (a `databases` entry may omit its strategy);
 * without a `catalog`, client references are not checked (the Management API names clients by id).
 */
export function parseConnection(
  entry: unknown,
  path: PathSegment[],
  kind: 'database' | 'social',
  catalog: Catalog | undefined,
  issues: IssueCollector,
): Connection | undefined {
  if (!isRecord(entry)) {
    issues.error(path, 'a connection must be a mapping', 'write `name:`, `strategy:` and `options:` under the item');
    return undefined;
  }
  for (const key of Object.keys(entry)) {
    if ((CONNECTION_FIELDS as readonly string[]).includes(key)) continue;
    issues.error(
      [...path, key],
      `unknown connection field ${quote(key)}${didYouMean(key, CONNECTION_FIELDS)}`,
      "remove it, or use a field of Auth0's connection schema",
    );
  }
  const name = entry.name;
  if (typeof name !== 'string' || !CONNECTION_NAME.test(name)) {
    issues.error(
      [...path, 'name'],
      typeof name === 'string' ? `${quote(name)} is not a valid connection name` : 'a connection needs a name',
      'use letters, digits and dashes (e.g. `Username-Password-Authentication`, `google-oauth2`)',
    );
    return undefined;
  }
  const strategy = readStrategy(entry, path, kind, issues);
  if (strategy === undefined) return undefined;
  const options = entry.options === undefined ? {} : entry.options;
  if (!isRecord(options)) {
    issues.error([...path, 'options'], 'options must be a mapping', 'write the options as `key: value` lines');
    return undefined;
  }
  const connection: Connection = { name, strategy, options };
  if (typeof entry.display_name === 'string' && entry.display_name !== '') connection.display_name = entry.display_name;
  const enabled = readEnabledClients(entry.enabled_clients, [...path, 'enabled_clients'], catalog, issues);
  if (enabled !== undefined) connection.enabled_clients = enabled;
  if (isRecord(entry.metadata)) {
    connection.metadata = Object.fromEntries(
      Object.entries(entry.metadata).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  }
  if (strategy === DATABASE_STRATEGY) connection.database = parseDatabaseOptions(options, [...path, 'options'], issues);
  return connection;
}

function readStrategy(
  entry: Record<string, unknown>,
  path: PathSegment[],
  kind: 'database' | 'social',
  issues: IssueCollector,
): string | undefined {
  const strategy = entry.strategy ?? (kind === 'database' ? DATABASE_STRATEGY : undefined);
  if (typeof strategy !== 'string' || strategy === '') {
    issues.error(
      [...path, 'strategy'],
      'a connection needs a strategy',
      'set strategy (e.g. google-oauth2, github, samlp, oidc, waad)',
    );
    return undefined;
  }
  if (kind === 'database' && strategy !== DATABASE_STRATEGY) {
    issues.error(
      [...path, 'strategy'],
      `a database connection has strategy auth0, not ${quote(strategy)}`,
      'move it to the connections section, or set strategy: auth0',
    );
    return undefined;
  }
  return strategy;
}

/**
 * The Deploy CLI writes client NAMES here (ids of clients the file does not declare also occur in exports);
 * an unknown one is only a warning: Auth0 ignores ids it does not know.
 */
function readEnabledClients(
  value: unknown,
  path: PathSegment[],
  catalog: Catalog | undefined,
  issues: IssueCollector,
): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    issues.error(path, 'enabled_clients must be a list of client names', 'write `enabled_clients: [My App]`');
    return undefined;
  }
  if (catalog === undefined) return [...new Set(value as string[])];
  const names = [...catalog.clients.keys()];
  for (const reference of value as string[]) {
    if (catalog.clients.has(reference) || catalog.clientIds.has(reference)) continue;
    issues.warn(
      `${issues.where(path)}: client ${quote(reference)} is not declared${didYouMean(reference, names)}; ` +
        `the connection stays disabled for it${names.length > 0 ? ` (declared: ${listOf(names)})` : ''}`,
    );
  }
  return [...new Set(value as string[])];
}

/** The database options authmesh honours; Auth0's defaults for those left out. */
export function parseDatabaseOptions(
  options: Record<string, unknown>,
  path: PathSegment[],
  issues: IssueCollector,
): DatabaseOptions {
  const out = databaseDefaults();
  for (const key of ['disable_signup', 'requires_username', 'brute_force_protection'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value === 'boolean') out[key] = value;
    else issues.error([...path, key], `${key} must be true or false`, `write \`${key}: true\` or \`${key}: false\``);
  }
  const policy = options.passwordPolicy;
  if (policy !== undefined) {
    if (typeof policy === 'string' && (PASSWORD_POLICIES as readonly string[]).includes(policy)) {
      out.passwordPolicy = policy as PasswordPolicy;
    } else {
      issues.error(
        [...path, 'passwordPolicy'],
        `unknown password policy ${quote(policy)}${didYouMean(String(policy), PASSWORD_POLICIES)}`,
        `use one of ${PASSWORD_POLICIES.join(', ')}`,
      );
    }
  }
  const complexity = options.password_complexity_options;
  if (isRecord(complexity) && complexity.min_length !== undefined) {
    const min = complexity.min_length;
    if (typeof min === 'number' && Number.isInteger(min) && min >= 1 && min <= 128) out.min_length = min;
    else {
      issues.error(
        [...path, 'password_complexity_options', 'min_length'],
        'min_length must be a whole number from 1 to 128',
        'write e.g. `min_length: 8`',
      );
    }
  }
  return out;
}
