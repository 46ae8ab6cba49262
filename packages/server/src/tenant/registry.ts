import type { TriggerBindings, TriggerId } from '../config/types.ts';
import type { Storage } from '../storage/contract.ts';
import { managementApi } from './management-api.ts';
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
} from './records.ts';

/**
 * An in-memory view of the tenant's entities, rebuilt from storage after every change. The token endpoint
 * reads resource servers, clients and grants on every request, so they are served from memory; storage
 * stays the source of truth (and the only one other processes see).
 */
export class TenantRegistry {
  readonly issuer: string;
  readonly #storage: Storage;
  #resourceServers = new Map<string, ResourceServerRecord>();
  #clients = new Map<string, ClientRecord>();
  #grants = new Map<string, ClientGrantRecord>();
  #roles = new Map<string, RoleRecord>();
  #connections = new Map<string, ConnectionRecord>();
  #actions = new Map<string, ActionRecord>();
  #bindings: TriggerBindings = {};
  /** Refreshes started, and the newest whose reads were applied: an older read never overwrites a newer one. */
  #refreshesStarted = 0;
  #refreshApplied = 0;

  constructor(storage: Storage, issuer: string) {
    this.#storage = storage;
    this.issuer = issuer;
  }

  /**
   * Reloads every entity from storage; call after any write. Concurrent refreshes (a write here while another
   * process's change is being loaded) may finish in any order: only the most recently started one's reads are
   * kept, as they are the newest.
   */
  async refresh(): Promise<void> {
    const ticket = ++this.#refreshesStarted;
    const [apis, clients, grants, roles, connections, actions, bindings] = await Promise.all([
      this.#storage.entities.list<ResourceServerRecord>('resource_server'),
      this.#storage.entities.list<ClientRecord>('client'),
      this.#storage.entities.list<ClientGrantRecord>('client_grant'),
      this.#storage.entities.list<RoleRecord>('role'),
      this.#storage.entities.list<ConnectionRecord>('connection'),
      this.#storage.entities.list<ActionRecord>('action'),
      this.#storage.getState<TriggerBindings>(ACTION_BINDINGS_STATE_KEY),
    ]);
    if (ticket < this.#refreshApplied) return;
    this.#refreshApplied = ticket;
    const management = managementApi(this.issuer);
    this.#resourceServers = new Map([
      [management.identifier, { ...management, id: 'management-api' }],
      ...apis.items.map((e) => [e.doc.identifier, e.doc] as const),
    ]);
    this.#clients = new Map(clients.items.map((e) => [e.doc.client_id, e.doc]));
    this.#grants = new Map(
      grants.items.map((e) => [grantKey(e.doc.client_id, e.doc.audience, e.doc.subject_type), e.doc]),
    );
    this.#roles = new Map(roles.items.map((e) => [e.doc.id, e.doc]));
    this.#connections = new Map(connections.items.map((e) => [e.doc.name, e.doc]));
    this.#actions = new Map(actions.items.map((e) => [e.doc.name, e.doc]));
    this.#bindings = bindings ?? {};
  }

  /**
   * Makes a change this process just stored live here, then tells the other processes sharing the storage,
   * which reload it (see `management/follow-changes.ts`) within about a second.
   */
  async publish(): Promise<void> {
    await this.refresh();
    try {
      await this.#storage.announceChange();
    } catch {
      // The change is stored and live here; the write must not be reported as failed. When the database is
      // unreachable the other processes have lost their listening connection too, and reload when it is back.
    }
  }

  /** Every action (deployed or not), in creation order. */
  actions(): ActionRecord[] {
    return [...this.#actions.values()];
  }

  /** An action by its exact name. */
  action(name: string): ActionRecord | undefined {
    return this.#actions.get(name);
  }

  /** The trigger bindings as stored (action names per trigger, in order). */
  bindings(): TriggerBindings {
    return this.#bindings;
  }

  /**
   * The deployed actions bound to a trigger, in binding order. A name bound to no stored action is skipped
   * (the config loader and the Management API refuse such bindings; this only guards a race with a delete).
   * Cheap when nothing is bound: the token path calls it on every request.
   */
  boundActions(trigger: TriggerId): ActionRecord[] {
    const names = this.#bindings[trigger];
    if (names === undefined || names.length === 0) return [];
    const bound: ActionRecord[] = [];
    for (const name of names) {
      const action = this.#actions.get(name);
      if (action?.deployed) bound.push(action);
    }
    return bound;
  }

  /** A connection by its exact name. */
  connection(name: string): ConnectionRecord | undefined {
    return this.#connections.get(name);
  }

  /** Every connection, in creation order. */
  connections(): ConnectionRecord[] {
    return [...this.#connections.values()];
  }

  /** The connections a client may use (Auth0 `enabled_clients`), in creation order. */
  connectionsFor(clientId: string): ConnectionRecord[] {
    return this.connections().filter((c) => c.enabled_clients === null || c.enabled_clients.includes(clientId));
  }

  resourceServer(identifier: string): ResourceServerRecord | undefined {
    return this.#resourceServers.get(identifier);
  }

  resourceServers(): ResourceServerRecord[] {
    return [...this.#resourceServers.values()];
  }

  client(clientId: string): ClientRecord | undefined {
    return this.#clients.get(clientId);
  }

  clients(): ClientRecord[] {
    return [...this.#clients.values()];
  }

  /** The client's machine-to-machine grant on the audience (`subject_type: client`). */
  clientGrant(clientId: string, audience: string): ClientGrantRecord | undefined {
    return this.#grants.get(grantKey(clientId, audience));
  }

  /** The client's user-delegated grant on the audience (`subject_type: user`, On-Behalf-Of token exchange). */
  userGrant(clientId: string, audience: string): ClientGrantRecord | undefined {
    return this.#grants.get(grantKey(clientId, audience, 'user'));
  }

  /** Every client grant, in creation order (the Management API lists and pages them). */
  clientGrants(): ClientGrantRecord[] {
    return [...this.#grants.values()];
  }

  role(id: string): RoleRecord | undefined {
    return this.#roles.get(id);
  }

  roles(): RoleRecord[] {
    return [...this.#roles.values()];
  }

  /** A user's permissions on one API: direct ones plus those of the user's roles, sorted, de-duplicated. */
  /**
   * Auth0 Multi-Resource Refresh Tokens: the scopes a client's refresh-token policy allows on an audience,
   * or undefined when it has no policy for it.
   */
  mrrtPolicyScopes(clientId: string, audience: string): string[] | undefined {
    return this.client(clientId)?.refresh_token.policies.find((p) => p.audience === audience)?.scope;
  }

  permissionsOf(user: UserRecord, audience: string): string[] {
    const names = new Set<string>();
    for (const p of user.permissions) if (p.resource_server_identifier === audience) names.add(p.permission_name);
    for (const roleId of user.roles) {
      for (const p of this.#roles.get(roleId)?.permissions ?? []) {
        if (p.resource_server_identifier === audience) names.add(p.permission_name);
      }
    }
    return [...names].sort();
  }
}
