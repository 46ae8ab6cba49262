import { identitiesOf, userConnectionName } from '../tenant/connections.ts';
import type { ClientRecord, UserRecord } from '../tenant/records.ts';
import type { TenantRegistry } from '../tenant/registry.ts';
import type { ActionClient, ActionConnection, ActionTenant, ActionUser } from './types.ts';

/*
 * The pieces of Auth0's `event` objects built from the tenant's records, shared by every trigger.
 * https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger/post-login-event-object
 */

/** `event.user`: a copy, so that an action's run never touches the stored record. */
export function eventUser(user: UserRecord, registry: TenantRegistry): ActionUser {
  return {
    user_id: user.user_id,
    email: user.email,
    email_verified: user.email_verified,
    ...(user.username === undefined ? {} : { username: user.username }),
    name: user.name,
    nickname: user.nickname,
    ...(user.given_name === undefined ? {} : { given_name: user.given_name }),
    ...(user.family_name === undefined ? {} : { family_name: user.family_name }),
    picture: user.picture,
    created_at: user.created_at,
    updated_at: user.updated_at,
    app_metadata: structuredClone(user.app_metadata),
    user_metadata: structuredClone(user.user_metadata),
    identities: identitiesOf(user, registry) as ActionUser['identities'],
    multifactor: [],
  };
}

/** `event.client`: Auth0 gives `client_id`, `name` and the client's `metadata`. */
export function eventClient(client: ClientRecord): ActionClient {
  return { client_id: client.client_id, name: client.name, metadata: { ...client.client_metadata } };
}

/** `event.connection` for the connection a user belongs to. */
export function eventConnection(user: UserRecord, registry: TenantRegistry): ActionConnection {
  const name = userConnectionName(user, registry);
  const connection = registry.connection(name);
  return {
    id: connection?.id ?? name,
    name,
    strategy: connection?.strategy ?? 'auth0',
    metadata: { ...(connection?.metadata ?? {}) },
  };
}

/** Auth0's `event.tenant.id` is the tenant's name; locally the friendly name, else `authmesh`. */
export function eventTenant(friendlyName: string | undefined): ActionTenant {
  return { id: friendlyName ?? 'authmesh' };
}

/** `event.authorization.roles`: the user's role names. */
export function roleNames(user: UserRecord, registry: TenantRegistry): string[] {
  return user.roles.map((id) => registry.role(id)?.name).filter((n): n is string => n !== undefined);
}
