import type { EntityOp } from '../storage/contract.ts';
import type { TenantContext } from '../tenant/context.ts';
import { newClientGrantId } from '../tenant/ids.ts';
import { type ClientGrantRecord, grantKey } from '../tenant/records.ts';
import { grantedScopes, parseClientGrantCreate, parseClientGrantUpdate } from './client-grant-input.ts';
import { conflict, ManagementError } from './errors.ts';
import { paginate } from './pagination.ts';
import type { ManagementDeps, ManagementRoute } from './types.ts';

/*
 * `/api/v2/client-grants` (machine-to-machine access: client → API → scopes), as Auth0:
 * - one grant per (client, audience): a second one is 409, Terraform and the Deploy CLI rely on it;
 * - the token endpoint reads grants from the registry, refreshed by every write: a new grant works on
 *   the next token request, a deleted one is refused from then on;
 * - lists page both ways (node-auth0 uses `take`/`from` only, go-auth0 and Terraform `page`/`include_totals`).
 */

const NOT_FOUND = 'The grant does not exist.';
const duplicate = (clientId: string, audience: string) =>
  `A client grant already exists between ${clientId} and ${audience}`;

/** The client-grant routes. */
export function clientGrantRoutes({ tenant, writer }: ManagementDeps): ManagementRoute[] {
  return [
    {
      method: 'GET',
      path: '/client-grants',
      scopes: ['read:client_grants'],
      async handler({ query }) {
        const audience = query.get('audience');
        const clientId = query.get('client_id');
        const subjectType = query.get('subject_type');
        // `default_for` grants are not emulated: asking for them matches none.
        const none = query.has('default_for');
        const grants = tenant.registry
          .clientGrants()
          .filter((g) => audience === null || g.audience === audience)
          .filter((g) => clientId === null || g.client_id === clientId)
          .filter((g) => subjectType === null || (g.subject_type ?? 'client') === subjectType)
          .filter(() => !none);
        return { status: 200, body: paginate(grants.map(view), query, 'client_grants') };
      },
    },
    {
      method: 'POST',
      path: '/client-grants',
      scopes: ['create:client_grants'],
      body: true,
      async handler({ body }) {
        const input = parseClientGrantCreate(body);
        return writer.exclusive(async () => {
          if (!tenant.registry.client(input.client_id)) {
            throw new ManagementError(404, 'The client does not exist', 'inexistent_client');
          }
          const api = tenant.registry.resourceServer(input.audience);
          if (!api) {
            throw new ManagementError(
              404,
              `No resource with identifier ${input.audience}`,
              'inexistent_resource_server',
            );
          }
          const scope = grantedScopes(api, input.scope);
          const message = duplicate(input.client_id, input.audience);
          // One grant per (client, audience, subject type): a user-delegated grant may sit beside an M2M one.
          const existing =
            input.subject_type === 'user'
              ? tenant.registry.userGrant(input.client_id, input.audience)
              : tenant.registry.clientGrant(input.client_id, input.audience);
          if (existing) throw conflict(message);
          const record: ClientGrantRecord = {
            id: newClientGrantId(),
            client_id: input.client_id,
            audience: input.audience,
            scope,
            ...(input.subject_type === undefined ? {} : { subject_type: input.subject_type }),
          };
          await writer.commit([put(record)], message);
          return { status: 201, body: view(record) };
        });
      },
    },
    {
      method: 'GET',
      path: '/client-grants/:id',
      scopes: ['read:client_grants'],
      async handler({ params }) {
        return { status: 200, body: view(find(tenant, params.id)) };
      },
    },
    {
      method: 'PATCH',
      path: '/client-grants/:id',
      scopes: ['update:client_grants'],
      body: true,
      async handler({ params, body }) {
        const requested = parseClientGrantUpdate(body);
        return writer.exclusive(async () => {
          const stored = find(tenant, params.id);
          if (requested === undefined) return { status: 200, body: view(stored) };
          const api = tenant.registry.resourceServer(stored.audience);
          // A grant always has its API: deleting an API deletes its grants.
          if (!api) throw new ManagementError(404, `No resource with identifier ${stored.audience}`);
          const record: ClientGrantRecord = { ...stored, scope: grantedScopes(api, requested) };
          await writer.commit([put(record)], duplicate(stored.client_id, stored.audience));
          return { status: 200, body: view(record) };
        });
      },
    },
    {
      method: 'DELETE',
      path: '/client-grants/:id',
      scopes: ['delete:client_grants'],
      async handler({ params }) {
        return writer.exclusive(async () => {
          const stored = find(tenant, params.id);
          await writer.commit([{ op: 'delete', kind: 'client_grant', id: stored.id }]);
          return { status: 204 };
        });
      },
    },
  ];
}

function find(tenant: TenantContext, id: string | undefined): ClientGrantRecord {
  const grant = tenant.registry.clientGrants().find((g) => g.id === id);
  if (!grant) throw new ManagementError(404, NOT_FOUND, 'inexistent_client_grant');
  return grant;
}

/** A grant as Auth0 returns it. */
function view(grant: ClientGrantRecord): Record<string, unknown> {
  return {
    id: grant.id,
    client_id: grant.client_id,
    audience: grant.audience,
    scope: grant.scope,
    ...(grant.subject_type === 'user' ? { subject_type: 'user' } : {}),
  };
}

/** Grants are stored under (client, audience), as tenant seeding stores them: the key enforces one per pair. */
function put(record: ClientGrantRecord): EntityOp {
  return {
    op: 'put',
    kind: 'client_grant',
    id: record.id,
    key: grantKey(record.client_id, record.audience, record.subject_type),
    doc: record,
  };
}
