import { withManagementApiAudience } from '../config/management-audience.ts';
import type { TenantConfig } from '../config/types.ts';
import type { Entity, EntityKind, Storage } from '../storage/contract.ts';
import { managementApiIdentifier } from '../tenant/management-api.ts';
import {
  ACTION_BINDINGS_STATE_KEY,
  type ActionRecord,
  type ClientGrantRecord,
  type ClientRecord,
  type ConnectionRecord,
  grantKey,
  type ResourceServerRecord,
  type RoleRecord,
  type UserRecord,
} from '../tenant/records.ts';
import { compare } from './canonical.ts';
import { compareAction, planTriggers } from './compare-actions.ts';
import { compareClient, compareClientGrant, compareResourceServer, compareRole } from './compare-entities.ts';
import { compareUser } from './compare-users.ts';
import { diffEntity } from './diff.ts';
import { compareConnection } from './export-connections.ts';
import { type ImportPlan, type PlannedChange, USER_DELEGATED_SUFFIX } from './plan-types.ts';
import { seededKeys } from './seed-state.ts';

/**
 * A grant's key in a plan: its client by name (as in the file) and its audience, and whether it is a
 * user-delegated grant (`subject_type: user`): one client may hold both kinds on one API, and they are
 * different grants.
 */
function grantLabel(clientName: string, audience: string, subjectType: 'client' | 'user' | undefined): string {
  return `${clientName} → ${audience}${subjectType === 'user' ? USER_DELEGATED_SUFFIX : ''}`;
}

/**
 * What importing `config` would change, without changing anything: a create, update (with the changed
 * fields) or unchanged entry per declared entity, and a delete per entity the previously imported file
 * declared and this one does not. Entities created by other means (/api/v2) and absent from the file are
 * kept by an import, so they are not listed. Tenant settings are not stored, so they are not compared.
 *
 * @param issuer - the tenant's issuer: grants on any `…/api/v2/` audience are planned on its Management API,
 *   as seeding applies them.
 */
export async function planImport(storage: Storage, declared: TenantConfig, issuer: string): Promise<ImportPlan> {
  const config = withManagementApiAudience(declared, managementApiIdentifier(issuer));
  const [apis, clients, grants, roles, users, connections, actions] = await Promise.all([
    byKey<ResourceServerRecord>(storage, 'resource_server'),
    byKey<ClientRecord>(storage, 'client'),
    byKey<ClientGrantRecord>(storage, 'client_grant'),
    byKey<RoleRecord>(storage, 'role'),
    byKey<UserRecord>(storage, 'user'),
    byKey<ConnectionRecord>(storage, 'connection'),
    byKey<ActionRecord>(storage, 'action'),
  ]);
  const clientNames = new Map([...clients.values()].map((e) => [e.doc.client_id, e.doc.name]));
  const roleNames = new Map([...roles.values()].map((e) => [e.doc.id, e.doc.name]));
  const changes: PlannedChange[] = [];

  const plan = async <T>(
    kind: EntityKind,
    declared: Map<string, T>,
    stored: Map<string, Entity<unknown>>,
    label: (storageKey: string) => string,
    diff: (item: T, storageKey: string) => PlannedChange | Promise<PlannedChange>,
  ) => {
    const entries: PlannedChange[] = [];
    for (const [key, item] of declared) entries.push(await diff(item, key));
    for (const key of await seededKeys(storage, kind)) {
      if (!declared.has(key) && stored.has(key)) entries.push({ kind, key: label(key), action: 'delete' });
    }
    changes.push(...entries.sort((a, b) => compare(a.key, b.key)));
  };

  const same = (key: string) => key;
  await plan(
    'resource_server',
    keyed(config.resourceServers, (a) => a.identifier),
    apis,
    same,
    (api, key) => diffEntity('resource_server', key, compareResourceServer(api, apis.get(key)?.doc)),
  );
  await plan(
    'client',
    keyed(config.clients, (c) => c.name),
    clients,
    same,
    (client, key) => diffEntity('client', key, compareClient(client, clients.get(key)?.doc)),
  );

  // Grants are stored under the real client id: the pinned one, else the one the tenant already assigned.
  const clientIdOf = (name: string) =>
    config.clients.find((c) => c.name === name)?.client_id ?? clients.get(name)?.doc.client_id ?? `new:${name}`;
  const grantName = (storageKey: string) => {
    const grant = grants.get(storageKey)?.doc;
    return grant
      ? grantLabel(clientNames.get(grant.client_id) ?? grant.client_id, grant.audience, grant.subject_type)
      : storageKey;
  };
  const declaredGrants = keyed(config.clientGrants, (g) =>
    grantKey(clientIdOf(g.client_id), g.audience, g.subject_type),
  );
  await plan('client_grant', declaredGrants, grants, grantName, (grant, key) =>
    diffEntity(
      'client_grant',
      grantLabel(grant.client_id, grant.audience, grant.subject_type),
      compareClientGrant(grant.scope, grants.get(key)?.doc),
    ),
  );

  await plan(
    'role',
    keyed(config.roles, (r) => r.name),
    roles,
    same,
    (role, key) => diffEntity('role', key, compareRole(role, roles.get(key)?.doc)),
  );
  // Seeding resolves `enabled_clients` names to ids and keeps any other reference as written.
  const enabledClientId = (reference: string) =>
    config.clients.find((c) => c.name === reference)?.client_id ?? clients.get(reference)?.doc.client_id ?? reference;
  await plan(
    'connection',
    keyed(config.connections, (c) => c.name),
    connections,
    same,
    (connection, key) =>
      diffEntity('connection', key, compareConnection(connection, connections.get(key)?.doc, enabledClientId)),
  );
  await plan(
    'action',
    keyed(config.actions, (a) => a.name),
    actions,
    same,
    (action, key) => diffEntity('action', key, compareAction(action, actions.get(key)?.doc)),
  );
  // Seeding writes the bindings only from a file with actions or triggers (it then owns them all).
  if (config.actions.length > 0 || Object.keys(config.triggers).length > 0) {
    changes.push(...planTriggers(config.triggers, await storage.getState(ACTION_BINDINGS_STATE_KEY)));
  }
  await plan(
    'user',
    keyed(config.users, (u) => u.email),
    users,
    same,
    async (user, key) => diffEntity('user', key, await compareUser(user, users.get(key)?.doc, roleNames)),
  );
  return { changes };
}

async function byKey<T>(storage: Storage, kind: EntityKind): Promise<Map<string, Entity<T>>> {
  const page = await storage.entities.list<T>(kind);
  return new Map(page.items.map((e) => [e.key, e]));
}

function keyed<T>(items: readonly T[], key: (item: T) => string): Map<string, T> {
  return new Map(items.map((item) => [key(item), item]));
}
