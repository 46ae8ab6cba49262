import { CONNECTION_FIELDS, DATABASE_STRATEGY, parseConnection } from '../config/connections.ts';
import { isRecord } from '../config/format-path.ts';
import { IssueCollector } from '../config/issues.ts';
import type { EntityOp } from '../storage/contract.ts';
import type { TenantContext } from '../tenant/context.ts';
import { newConnectionId } from '../tenant/ids.ts';
import type { ConnectionRecord } from '../tenant/records.ts';
import { conflict, invalidBody, ManagementError } from './errors.ts';
import { fieldSelection } from './fields.ts';
import { paginate } from './pagination.ts';
import type { ManagementDeps, ManagementRoute } from './types.ts';
import { allUsers } from './user-store.ts';
import { throwFirstIssue } from './validation.ts';

/*
 * `/api/v2/connections`, as Auth0 answers it: POST 201, PATCH 200, DELETE 202 (Auth0 deletes a connection
 * asynchronously and says so; here it is gone, with its users, before the answer). Names are unique per
 * tenant whatever the letter case (409). `name` and `strategy` cannot be changed (Auth0 refuses them in a
 * PATCH body as additional properties). `enabled_clients` holds client ids; a connection declared without
 * them in tenant.yaml is enabled for every client, and lists every current client id.
 */

const DUPLICATE = 'A connection with the same name already exists';
/** Auth0's read-only fields are not part of a write. */
const WRITABLE: readonly string[] = CONNECTION_FIELDS.filter((k) => k !== 'id' && k !== 'provisioning_ticket_url');
const PATCHABLE = new Set(WRITABLE.filter((k) => k !== 'name' && k !== 'strategy'));

/** The connection routes. */
export function connectionRoutes({ tenant, writer }: ManagementDeps): ManagementRoute[] {
  return [
    {
      method: 'GET',
      path: '/connections',
      scopes: ['read:connections'],
      async handler({ query }) {
        const strategies = query.getAll('strategy').flatMap((s) => s.split(','));
        const name = query.get('name');
        const connections = tenant.registry
          .connections()
          .filter((c) => strategies.length === 0 || strategies.includes(c.strategy))
          .filter((c) => name === null || c.name === name);
        const select = fieldSelection(query);
        return {
          status: 200,
          body: paginate(
            connections.map((c) => select(connectionView(tenant, c))),
            query,
            'connections',
          ),
        };
      },
    },
    {
      method: 'POST',
      path: '/connections',
      scopes: ['create:connections'],
      body: true,
      async handler({ body }) {
        const input = parseBody(body, new Set(WRITABLE));
        return writer.exclusive(async () => {
          if (nameTaken(tenant, input.name)) throw conflict(DUPLICATE);
          const record: ConnectionRecord = {
            ...input,
            id: newConnectionId(),
            enabled_clients: input.enabled_clients ?? [],
          };
          await writer.commit([putConnection(record)], DUPLICATE);
          return { status: 201, body: connectionView(tenant, record) };
        });
      },
    },
    {
      method: 'GET',
      path: '/connections/:id',
      scopes: ['read:connections'],
      async handler({ params, query }) {
        return { status: 200, body: fieldSelection(query)(connectionView(tenant, findConnection(tenant, params.id))) };
      },
    },
    {
      method: 'PATCH',
      path: '/connections/:id',
      scopes: ['update:connections'],
      body: true,
      async handler({ params, body }) {
        return writer.exclusive(async () => {
          const stored = findConnection(tenant, params.id);
          if (!isRecord(body)) throw invalidBody(`Expected type object but found type ${typeof body}`);
          const extra = Object.keys(body).filter((k) => !PATCHABLE.has(k));
          if (extra.length > 0) throw invalidBody(`Additional properties not allowed: ${extra.join(',')}`);
          // Auth0 replaces `options` as a whole when it is sent.
          const merged = { ...storedInput(stored), ...body, name: stored.name, strategy: stored.strategy };
          const input = parseBody(merged, new Set(WRITABLE));
          const enabled = body.enabled_clients === undefined ? stored.enabled_clients : (input.enabled_clients ?? []);
          const record: ConnectionRecord = { ...input, id: stored.id, enabled_clients: enabled };
          await writer.commit([putConnection(record)], DUPLICATE);
          return { status: 200, body: connectionView(tenant, record) };
        });
      },
    },
    {
      method: 'DELETE',
      path: '/connections/:id',
      scopes: ['delete:connections'],
      async handler({ params }) {
        return writer.exclusive(async () => {
          const stored = findConnection(tenant, params.id);
          const ops: EntityOp[] = [{ op: 'delete', kind: 'connection', id: stored.id }];
          const isFirstDatabase =
            tenant.registry.connections().find((c) => c.strategy === DATABASE_STRATEGY)?.id === stored.id;
          for (const user of await allUsers(tenant)) {
            const owned = user.connection === stored.name || (user.connection === undefined && isFirstDatabase);
            if (owned) ops.push({ op: 'delete', kind: 'user', id: user.user_id });
          }
          await writer.commit(ops);
          for (const op of ops) if (op.kind === 'user') await tenant.storage.revokeAccount(op.id);
          return { status: 202, body: { deleted_at: new Date().toISOString() } };
        });
      },
    },
  ];
}

/** The ids of the clients that may use a connection (every client for a connection enabled for all). */
function enabledClientIds(tenant: TenantContext, connection: ConnectionRecord): string[] {
  return connection.enabled_clients ?? tenant.registry.clients().map((c) => c.client_id);
}

/** A connection as Auth0 returns it. */
export function connectionView(tenant: TenantContext, connection: ConnectionRecord): Record<string, unknown> {
  return {
    id: connection.id,
    name: connection.name,
    ...(connection.display_name === undefined ? {} : { display_name: connection.display_name }),
    strategy: connection.strategy,
    options: connection.options,
    enabled_clients: enabledClientIds(tenant, connection),
    is_domain_connection: false,
    realms: [connection.name],
    ...(connection.metadata === undefined ? {} : { metadata: connection.metadata }),
  };
}

type ConnectionInput = Omit<ConnectionRecord, 'id' | 'enabled_clients'> & { enabled_clients?: string[] };

function parseBody(body: unknown, allowed: ReadonlySet<string>): ConnectionInput {
  if (!isRecord(body))
    throw invalidBody(`Expected type object but found type ${Array.isArray(body) ? 'array' : typeof body}`);
  const extra = Object.keys(body).filter((k) => !allowed.has(k));
  if (extra.length > 0) throw invalidBody(`Additional properties not allowed: ${extra.join(',')}`);
  if (typeof body.name !== 'string') throw invalidBody('Missing required property: name');
  if (typeof body.strategy !== 'string') throw invalidBody('Missing required property: strategy');
  const issues = new IssueCollector('<request>', () => undefined, { strict: true });
  const kind = body.strategy === DATABASE_STRATEGY ? 'database' : 'social';
  const parsed = parseConnection(body, [], kind, undefined, issues);
  throwFirstIssue(issues);
  if (!parsed) throw invalidBody('Invalid connection');
  return parsed;
}

function storedInput(stored: ConnectionRecord): Record<string, unknown> {
  const { id: _id, database: _database, enabled_clients, ...rest } = stored;
  return { ...rest, ...(enabled_clients === null ? {} : { enabled_clients }) };
}

function findConnection(tenant: TenantContext, id: string | undefined): ConnectionRecord {
  const connection = tenant.registry.connections().find((c) => c.id === id);
  if (!connection) throw new ManagementError(404, 'The connection does not exist', 'inexistent_connection');
  return connection;
}

function nameTaken(tenant: TenantContext, name: string): boolean {
  return tenant.registry.connections().some((c) => c.name.toLowerCase() === name.toLowerCase());
}

/** Connections are stored under their name, as tenant seeding stores them. */
function putConnection(connection: ConnectionRecord): EntityOp {
  return { op: 'put', kind: 'connection', id: connection.id, key: connection.name, doc: connection };
}
