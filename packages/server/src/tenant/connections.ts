import { createHash } from 'node:crypto';
import { DATABASE_STRATEGY, DEFAULT_DATABASE } from '../config/connections.ts';
import type { ConnectionRecord, UserRecord } from './records.ts';
import type { TenantRegistry } from './registry.ts';

/*
 * Which connection a user belongs to, and what Auth0 shows for it. Database users are stored under their
 * lower-cased e-mail (the key that makes e-mails unique within the database, and that the login looks up);
 * users of social and enterprise connections under their `user_id`, so the same e-mail can exist once per
 * connection, as on Auth0.
 */

/** True for a database connection (Auth0 strategy `auth0`). */
export function isDatabase(connection: Pick<ConnectionRecord, 'strategy'>): boolean {
  return connection.strategy === DATABASE_STRATEGY;
}

/** Auth0's `isSocial`: social strategies are the consumer identity providers, not enterprise ones. */
const ENTERPRISE_STRATEGIES = new Set([
  'samlp',
  'oidc',
  'okta',
  'waad',
  'adfs',
  'ad',
  'google-apps',
  'pingfederate',
  'auth0-adldap',
  'office365',
]);

export function isSocialStrategy(strategy: string): boolean {
  return strategy !== DATABASE_STRATEGY && !ENTERPRISE_STRATEGIES.has(strategy);
}

/** The storage key of a user: see the note at the top. */
export function userKey(user: Pick<UserRecord, 'email' | 'user_id' | 'provider'>): string {
  return user.provider === undefined ? user.email.toLowerCase() : user.user_id;
}

/** The connection a user belongs to (users stored before connections existed: the first database). */
export function userConnectionName(user: Pick<UserRecord, 'connection'>, registry: TenantRegistry): string {
  return user.connection ?? registry.connections().find(isDatabase)?.name ?? DEFAULT_DATABASE;
}

/**
 * A stable id for a test identity: the same e-mail on the same connection is the same user on every
 * start, as a real provider's account id would be. Numeric, like Google's and GitHub's ids.
 */
export function externalUserId(connection: string, email: string): string {
  const digest = createHash('sha256').update(`${connection}\0${email.toLowerCase()}`).digest();
  return (digest.readBigUInt64BE(0) % 10n ** 18n).toString().padStart(18, '1');
}

/** `identities` as Auth0 shows a user: one entry, for the connection the user signed up through. */
export function identitiesOf(user: UserRecord, registry: TenantRegistry): Record<string, unknown>[] {
  const connection = userConnectionName(user, registry);
  const bar = user.user_id.indexOf('|');
  const provider = user.provider ?? DATABASE_STRATEGY;
  return [
    {
      connection,
      user_id: user.user_id.slice(bar + 1),
      provider,
      isSocial: isSocialStrategy(provider),
    },
  ];
}

/** The database connection a client uses: the named one, else the first enabled for it. */
export function databaseFor(
  registry: TenantRegistry,
  clientId: string,
  name?: string,
): { connection?: ConnectionRecord; enabled: boolean } {
  const connection =
    name === undefined ? registry.connectionsFor(clientId).find(isDatabase) : registry.connection(name);
  if (!connection) return { enabled: false };
  const enabled = connection.enabled_clients === null || connection.enabled_clients.includes(clientId);
  return { connection, enabled };
}
