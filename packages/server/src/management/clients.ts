import type { Client } from '../config/types.ts';
import type { EntityOp } from '../storage/contract.ts';
import type { TenantContext } from '../tenant/context.ts';
import { newClientId, newClientSecret } from '../tenant/ids.ts';
import type { ClientRecord } from '../tenant/records.ts';
import { hasScope, requireScope } from './auth.ts';
import { clientToCreate, clientToUpdate, isConfidential, parseClientUpdate } from './client-input.ts';
import { type ClientVisibility, clientView } from './client-view.ts';
import { conflict, ManagementError } from './errors.ts';
import { fieldSelection } from './fields.ts';
import { globalClientView } from './global-client.ts';
import { booleanParam, paginate } from './pagination.ts';
import type { Caller, ManagementDeps, ManagementRoute } from './types.ts';

/*
 * `/api/v2/clients` (applications), as Auth0:
 * - secrets: confidential clients get a generated 64-character secret, returned by the create response
 *   and by rotate-secret, and otherwise only to callers with `read:client_keys`; SPAs and native apps
 *   never have one. Setting a secret through PATCH needs `update:client_keys`;
 * - rotate-secret replaces the secret at once: the old one stops working on the next token request;
 * - deleting a client deletes its client grants in the same batch.
 * Client names are unique in authmesh (409 otherwise), unlike Auth0: tenant.yaml, client grants in it and
 * the Deploy CLI all find clients by name, and tenant seeding keys clients by name.
 */

const NOT_FOUND = 'The client does not exist';
const DUPLICATE = 'A client with the same name already exists.';
const READ_SCOPES = ['read:clients', 'read:client_keys', 'read:client_summary'];

/** The client routes. */
export function clientRoutes({ tenant, writer }: ManagementDeps): ManagementRoute[] {
  const apis = () => tenant.registry.resourceServers();

  return [
    {
      method: 'GET',
      path: '/clients',
      scopes: READ_SCOPES,
      async handler({ query, caller }) {
        const visibility = readVisibility(caller);
        const types = query.get('app_type')?.split(',');
        const firstParty = query.has('is_first_party') ? booleanParam(query, 'is_first_party') : undefined;
        const select = fieldSelection(query);
        // `is_global=true` answers only Auth0's global client ("All Applications", see global-client.ts);
        // other listings leave it out, so every client they return is one that can log in.
        if (query.has('is_global') && booleanParam(query, 'is_global')) {
          const global = types === undefined && firstParty !== false ? [globalClientView(tenant)] : [];
          return { status: 200, body: paginate(global.map(select), query, 'clients') };
        }
        const clients = tenant.registry
          .clients()
          .filter((c) => types === undefined || (c.app_type !== undefined && types.includes(c.app_type)))
          .filter((c) => firstParty === undefined || c.is_first_party === firstParty);
        return {
          status: 200,
          body: paginate(
            clients.map((c) => select(clientView(c, visibility))),
            query,
            'clients',
          ),
        };
      },
    },
    {
      method: 'POST',
      path: '/clients',
      scopes: ['create:clients'],
      body: true,
      async handler({ body }) {
        return writer.exclusive(async () => {
          const client = clientToCreate(body, apis());
          if (nameTaken(tenant, client.name)) throw conflict(DUPLICATE);
          const record = withSecret({ ...client, client_id: newClientId() }, client.client_secret);
          await writer.commit([put(record)], DUPLICATE);
          // The create response is the one place where a caller without read:client_keys sees the secret.
          return { status: 201, body: clientView(record, 'with-secret') };
        });
      },
    },
    {
      method: 'GET',
      path: '/clients/:id',
      scopes: READ_SCOPES,
      async handler({ params, query, caller }) {
        return {
          status: 200,
          body: fieldSelection(query)(clientView(find(tenant, params.id), readVisibility(caller))),
        };
      },
    },
    {
      method: 'PATCH',
      path: '/clients/:id',
      scopes: ['update:clients', 'update:client_keys'],
      body: true,
      async handler({ params, body, caller }) {
        const update = parseClientUpdate(body);
        if (update.client_secret !== undefined) requireScope(caller, ['update:client_keys']);
        if (Object.keys(update).some((key) => key !== 'client_secret' && key !== 'client_id')) {
          requireScope(caller, ['update:clients']);
        }
        return writer.exclusive(async () => {
          const stored = find(tenant, params.id);
          const client = clientToUpdate(stored, update, apis());
          if (client.name !== stored.name && nameTaken(tenant, client.name)) throw conflict(DUPLICATE);
          const record = withSecret(
            { ...client, client_id: stored.client_id },
            client.client_secret ?? stored.client_secret,
          );
          // Same entity id, new key on a rename: storage moves the key with the record.
          await writer.commit([put(record)], DUPLICATE);
          const visibility: ClientVisibility =
            hasScope(caller, 'read:client_keys') || hasScope(caller, 'update:client_keys') ? 'with-secret' : 'full';
          return { status: 200, body: clientView(record, visibility) };
        });
      },
    },
    {
      method: 'DELETE',
      path: '/clients/:id',
      scopes: ['delete:clients'],
      async handler({ params }) {
        return writer.exclusive(async () => {
          const stored = find(tenant, params.id);
          const ops: EntityOp[] = [remove(stored)];
          for (const grant of tenant.registry.clientGrants()) {
            if (grant.client_id === stored.client_id) ops.push({ op: 'delete', kind: 'client_grant', id: grant.id });
          }
          await writer.commit(ops);
          return { status: 204 };
        });
      },
    },
    {
      method: 'POST',
      path: '/clients/:id/rotate-secret',
      scopes: ['update:client_keys'],
      async handler({ params }) {
        return writer.exclusive(async () => {
          const stored = find(tenant, params.id);
          if (!isConfidential(stored)) {
            throw new ManagementError(
              400,
              'The client is a public client (token_endpoint_auth_method none) and has no secret to rotate.',
              'operation_not_supported',
            );
          }
          const record: ClientRecord = { ...stored, client_secret: newClientSecret() };
          await writer.commit([put(record)]);
          return { status: 200, body: clientView(record, 'with-secret') };
        });
      },
    },
  ];
}

function readVisibility(caller: Caller): ClientVisibility {
  if (hasScope(caller, 'read:client_keys')) return 'with-secret';
  return hasScope(caller, 'read:clients') ? 'full' : 'summary';
}

function find(tenant: TenantContext, clientId: string | undefined): ClientRecord {
  const client = clientId === undefined ? undefined : tenant.registry.client(clientId);
  if (!client) throw new ManagementError(404, NOT_FOUND, 'inexistent_client');
  return client;
}

function nameTaken(tenant: TenantContext, name: string): boolean {
  return tenant.registry.clients().some((c) => c.name === name);
}

/**
 * The record with the secret it should have: the given one while the client is confidential (a new one
 * when it has none yet), none once it is public.
 */
function withSecret(client: Client & { client_id: string }, secret: string | undefined): ClientRecord {
  const { client_secret: _dropped, ...rest } = client;
  return isConfidential(client) ? { ...rest, client_secret: secret ?? newClientSecret() } : rest;
}

/** Clients are stored under their name (as tenant seeding stores them), with the client_id as entity id. */
function put(record: ClientRecord): EntityOp {
  return { op: 'put', kind: 'client', id: record.client_id, key: record.name, doc: record };
}

function remove(record: ClientRecord): EntityOp {
  return { op: 'delete', kind: 'client', id: record.client_id };
}
