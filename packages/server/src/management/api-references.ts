import type { Permission } from '../config/types.ts';
import type { EntityOp } from '../storage/contract.ts';
import type { TenantContext } from '../tenant/context.ts';
import { grantKey, type UserRecord } from '../tenant/records.ts';

/**
 * The writes that keep everything pointing at an API consistent when the API is deleted (`remaining`
 * undefined) or loses scopes (`remaining` = the scopes it keeps), to go in the same atomic batch:
 * - client grants for it are deleted, or narrowed to the remaining scopes (so no M2M token carries a
 *   scope the API no longer declares);
 * - clients' refresh-token (MRRT) policies for it are dropped, or narrowed;
 * - role and user permissions on it are dropped, or narrowed.
 * tenant.yaml refuses all such dangling references, so a tenant never holds one and every entity stays
 * editable through the API (a PATCH re-validates the whole entity). Auth0 deletes an API's grants too.
 */
export async function apiReferenceOps(
  tenant: TenantContext,
  identifier: string,
  remaining: ReadonlySet<string> | undefined,
): Promise<EntityOp[]> {
  const keeps = (scope: string) => remaining?.has(scope) === true;
  const ops: EntityOp[] = [];

  for (const grant of tenant.registry.clientGrants()) {
    if (grant.audience !== identifier) continue;
    const scope = grant.scope.filter(keeps);
    if (remaining === undefined) ops.push({ op: 'delete', kind: 'client_grant', id: grant.id });
    else if (scope.length !== grant.scope.length) {
      const key = grantKey(grant.client_id, grant.audience, grant.subject_type);
      ops.push({ op: 'put', kind: 'client_grant', id: grant.id, key, doc: { ...grant, scope } });
    }
  }

  for (const client of tenant.registry.clients()) {
    const { policies } = client.refresh_token;
    const next = policies
      .map((p) => (p.audience === identifier ? { ...p, scope: p.scope.filter(keeps) } : p))
      .filter((p) => p.audience !== identifier || remaining !== undefined);
    if (JSON.stringify(next) === JSON.stringify(policies)) continue;
    const doc = { ...client, refresh_token: { ...client.refresh_token, policies: next } };
    ops.push({ op: 'put', kind: 'client', id: client.client_id, key: client.name, doc });
  }

  const stillValid = (p: Permission) => p.resource_server_identifier !== identifier || keeps(p.permission_name);
  for (const role of tenant.registry.roles()) {
    const permissions = role.permissions.filter(stillValid);
    if (permissions.length === role.permissions.length) continue;
    ops.push({ op: 'put', kind: 'role', id: role.id, key: role.name, doc: { ...role, permissions } });
  }
  const users = await tenant.storage.entities.list<UserRecord>('user');
  for (const user of users.items) {
    const permissions = user.doc.permissions.filter(stillValid);
    if (permissions.length === user.doc.permissions.length) continue;
    ops.push({ op: 'put', kind: 'user', id: user.id, key: user.key, doc: { ...user.doc, permissions } });
  }
  return ops;
}
