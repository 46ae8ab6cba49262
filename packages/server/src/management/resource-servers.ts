import type { TenantContext } from '../tenant/context.ts';
import { newResourceServerId } from '../tenant/ids.ts';
import type { ResourceServerRecord } from '../tenant/records.ts';
import { apiReferenceOps } from './api-references.ts';
import { conflict, ManagementError } from './errors.ts';
import { fieldSelection } from './fields.ts';
import { paginate } from './pagination.ts';
import { checkIdentifierUnshared, resourceServerToCreate, resourceServerToUpdate } from './resource-server-input.ts';
import { managementApiId, resourceServerView } from './resource-server-view.ts';
import type { ManagementDeps, ManagementRoute } from './types.ts';

/*
 * `/api/v2/resource-servers` (APIs), as Auth0:
 * - `{id}` is the 24-hex id or the identifier itself, URL-encoded (Terraform and go-auth0 use the latter);
 * - the list includes the tenant's own Management API (`is_system: true`), which cannot be changed or deleted;
 * - deleting an API deletes its client grants too (as Auth0 does), and every other reference to it, in the
 *   same batch; removing scopes removes them wherever they were granted (see api-references.ts).
 */

const NOT_FOUND = 'The resource server does not exist';
const DUPLICATE = 'A resource server with the same identifier already exists.';
/** Auth0 allows at most ten `identifiers` filters per request. */
const MAX_IDENTIFIERS = 10;

/** The resource-server routes. */
export function resourceServerRoutes({ tenant, writer }: ManagementDeps): ManagementRoute[] {
  const view = (api: ResourceServerRecord) => resourceServerView(api, tenant.issuer);

  return [
    {
      method: 'GET',
      path: '/resource-servers',
      scopes: ['read:resource_servers'],
      async handler({ query }) {
        const wanted = query.getAll('identifiers').slice(0, MAX_IDENTIFIERS);
        const all = tenant.registry.resourceServers();
        const apis = wanted.length === 0 ? all : all.filter((api) => wanted.includes(api.identifier));
        const select = fieldSelection(query);
        return { status: 200, body: paginate(apis.map(view).map(select), query, 'resource_servers') };
      },
    },
    {
      method: 'POST',
      path: '/resource-servers',
      scopes: ['create:resource_servers'],
      body: true,
      async handler({ body }) {
        const api = resourceServerToCreate(body);
        checkIdentifierUnshared(api.identifier, tenant.issuer, (id) => tenant.registry.client(id) !== undefined);
        return writer.exclusive(async () => {
          if (tenant.registry.resourceServer(api.identifier)) throw conflict(DUPLICATE);
          const id = newResourceServerId();
          const record: ResourceServerRecord = { ...api, id };
          await writer.commit(
            [{ op: 'put', kind: 'resource_server', id, key: api.identifier, doc: record }],
            DUPLICATE,
          );
          return { status: 201, body: view(record) };
        });
      },
    },
    {
      method: 'GET',
      path: '/resource-servers/:id',
      scopes: ['read:resource_servers'],
      async handler({ params, query }) {
        return { status: 200, body: fieldSelection(query)(view(find(tenant, params.id))) };
      },
    },
    {
      method: 'PATCH',
      path: '/resource-servers/:id',
      scopes: ['update:resource_servers'],
      body: true,
      async handler({ params, body }) {
        return writer.exclusive(async () => {
          const stored = modifiable(find(tenant, params.id), 'updated');
          const record: ResourceServerRecord = { ...resourceServerToUpdate(stored, body), id: stored.id };
          const remaining = new Set(record.scopes.map((s) => s.value));
          await writer.commit([
            { op: 'put', kind: 'resource_server', id: stored.id, key: stored.identifier, doc: record },
            ...(await apiReferenceOps(tenant, stored.identifier, remaining)),
          ]);
          return { status: 200, body: view(record) };
        });
      },
    },
    {
      method: 'DELETE',
      path: '/resource-servers/:id',
      scopes: ['delete:resource_servers'],
      async handler({ params }) {
        return writer.exclusive(async () => {
          const stored = modifiable(find(tenant, params.id), 'deleted');
          await writer.commit([
            { op: 'delete', kind: 'resource_server', id: stored.id },
            ...(await apiReferenceOps(tenant, stored.identifier, undefined)),
          ]);
          return { status: 204 };
        });
      },
    },
  ];
}

/** The API with this id or identifier; 404 otherwise. */
function find(tenant: TenantContext, idOrIdentifier: string | undefined): ResourceServerRecord {
  const key = idOrIdentifier ?? '';
  const byIdentifier = tenant.registry.resourceServer(key);
  if (byIdentifier) return byIdentifier;
  const systemId = managementApiId(tenant.issuer);
  const api = tenant.registry.resourceServers().find((r) => (r.is_system ? key === systemId : r.id === key));
  if (!api) throw new ManagementError(404, NOT_FOUND, 'inexistent_resource_server');
  return api;
}

/** The Management API belongs to the tenant: Auth0 refuses to change or delete it. */
function modifiable(api: ResourceServerRecord, verb: 'updated' | 'deleted'): ResourceServerRecord {
  if (api.is_system) {
    throw new ManagementError(403, `The ${api.name} is a system API and cannot be ${verb}.`, 'operation_not_supported');
  }
  return api;
}
