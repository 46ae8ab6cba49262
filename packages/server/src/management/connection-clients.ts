import { isRecord } from '../config/format-path.ts';
import type { TenantContext } from '../tenant/context.ts';
import type { ConnectionRecord } from '../tenant/records.ts';
import { invalidBody, ManagementError } from './errors.ts';
import { paginate } from './pagination.ts';
import type { ManagementDeps, ManagementRoute } from './types.ts';

/*
 * `/api/v2/connections/{id}/clients`: the clients enabled on a connection, the way Auth0 now reads and
 * writes `enabled_clients` (the Deploy CLI 8 uses only this, for `databases` and `connections`):
 * - GET pages with checkpoints (`take`, `from`) and answers `{clients: [{client_id}], next?}`;
 * - PATCH takes up to 50 `{client_id, status}` changes (`true` enables, `false` disables) and answers 204.
 * A connection enabled for every client (tenant.yaml without `enabled_clients`) lists every current client;
 * the first PATCH turns that into an explicit list, as on Auth0.
 */

const MAX_CHANGES = 50;

interface EnabledClientChange {
  client_id: string;
  status: boolean;
}

/** The enabled-clients routes of connections. */
export function connectionClientRoutes({ tenant, writer }: ManagementDeps): ManagementRoute[] {
  return [
    {
      method: 'GET',
      path: '/connections/:id/clients',
      scopes: ['read:connections'],
      async handler({ params, query }) {
        const ids = enabledClientIds(tenant, findConnection(tenant, params.id));
        return {
          status: 200,
          body: paginate(
            ids.map((client_id) => ({ client_id })),
            checkpointQuery(query),
            'clients',
          ),
        };
      },
    },
    {
      method: 'PATCH',
      path: '/connections/:id/clients',
      scopes: ['update:connections'],
      body: true,
      async handler({ params, body }) {
        const changes = parseChanges(body);
        return writer.exclusive(async () => {
          const stored = findConnection(tenant, params.id);
          for (const change of changes) {
            if (!tenant.registry.client(change.client_id)) {
              throw new ManagementError(404, 'The client does not exist', 'inexistent_client');
            }
          }
          const enabled = new Set(enabledClientIds(tenant, stored));
          for (const change of changes) {
            if (change.status) enabled.add(change.client_id);
            else enabled.delete(change.client_id);
          }
          const record: ConnectionRecord = { ...stored, enabled_clients: [...enabled] };
          await writer.commit([{ op: 'put', kind: 'connection', id: record.id, key: record.name, doc: record }]);
          return { status: 204 };
        });
      },
    },
  ];
}

function enabledClientIds(tenant: TenantContext, connection: ConnectionRecord): string[] {
  return connection.enabled_clients ?? tenant.registry.clients().map((c) => c.client_id);
}

/** This endpoint pages only with checkpoints: offset parameters are not part of it. */
function checkpointQuery(query: URLSearchParams): URLSearchParams {
  const checkpoint = new URLSearchParams();
  checkpoint.set('take', query.get('take') ?? '50');
  const from = query.get('from');
  if (from !== null) checkpoint.set('from', from);
  return checkpoint;
}

function parseChanges(body: unknown): EnabledClientChange[] {
  if (!Array.isArray(body))
    throw invalidBody(`Expected type array but found type ${body === null ? 'null' : typeof body}`);
  if (body.length === 0) throw invalidBody(`Array is too short (0), minimum 1`);
  if (body.length > MAX_CHANGES) throw invalidBody(`Array is too long (${body.length}), maximum ${MAX_CHANGES}`);
  return body.map((item, i) => {
    if (!isRecord(item)) throw invalidBody('Expected type object', `[${i}]`);
    const extra = Object.keys(item).filter((k) => k !== 'client_id' && k !== 'status');
    if (extra.length > 0) throw invalidBody(`Additional properties not allowed: ${extra.join(',')}`, `[${i}]`);
    if (typeof item.client_id !== 'string') throw invalidBody('Missing required property: client_id', `[${i}]`);
    if (typeof item.status !== 'boolean') throw invalidBody('Missing required property: status', `[${i}]`);
    return { client_id: item.client_id, status: item.status };
  });
}

function findConnection(tenant: TenantContext, id: string | undefined): ConnectionRecord {
  const connection = tenant.registry.connections().find((c) => c.id === id);
  if (!connection) throw new ManagementError(404, 'The connection does not exist', 'inexistent_connection');
  return connection;
}
