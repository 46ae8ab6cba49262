/**
 * Edits in place: each is one ordinary Management API write (so the tenant audits and persists it exactly
 * as any other client's), described in words for the toast, with the write that undoes it.
 */
import { callTenant } from './http.ts';

/** A write the console can make, and how to take it back. */
export interface Edit {
  /** What the write does, for the toast: "Granted write:stock to Orders Service on Catalog API". */
  describe: string;
  /** Performs the write; resolves with the write that undoes it. */
  apply(token: string | undefined): Promise<Edit>;
}

const encode = encodeURIComponent;

/** PATCH /api/v2/client-grants/{id} with a new scope list; undone by PATCHing the previous one back. */
export function setGrantScopes(
  grant: { id: string; scope: string[] },
  scope: string[],
  describe: string,
  describeUndo: string,
): Edit {
  return {
    describe,
    async apply(token) {
      await callTenant(`/api/v2/client-grants/${encode(grant.id)}`, token, { method: 'PATCH', body: { scope } });
      return setGrantScopes({ id: grant.id, scope }, grant.scope, describeUndo, describe);
    },
  };
}

/** POST /api/v2/client-grants; undone by deleting the grant it created. */
export function createGrant(
  grant: { client_id: string; audience: string; scope: string[]; subject_type?: 'client' | 'user' },
  describe: string,
  describeUndo: string,
): Edit {
  return {
    describe,
    async apply(token) {
      const body = {
        client_id: grant.client_id,
        audience: grant.audience,
        scope: grant.scope,
        ...(grant.subject_type === 'user' ? { subject_type: 'user' } : {}),
      };
      const created = await callTenant<{ id: string }>('/api/v2/client-grants', token, { method: 'POST', body });
      return deleteGrant({ id: created.id, ...grant }, describeUndo, describe);
    },
  };
}

/** DELETE /api/v2/client-grants/{id}; undone by creating the same grant again (it gets a new id). */
export function deleteGrant(
  grant: { id: string; client_id: string; audience: string; scope: string[]; subject_type?: 'client' | 'user' },
  describe: string,
  describeUndo: string,
): Edit {
  return {
    describe,
    async apply(token) {
      await callTenant(`/api/v2/client-grants/${encode(grant.id)}`, token, { method: 'DELETE' });
      return createGrant(grant, describeUndo, describe);
    },
  };
}

/** POST or DELETE /api/v2/roles/{id}/permissions for one permission; undone by the other. */
export function setRolePermission(
  role: { id: string },
  permission: { audience: string; permission: string },
  granted: boolean,
  describe: string,
  describeUndo: string,
): Edit {
  return {
    describe,
    async apply(token) {
      const body = {
        permissions: [{ resource_server_identifier: permission.audience, permission_name: permission.permission }],
      };
      await callTenant(`/api/v2/roles/${encode(role.id)}/permissions`, token, {
        method: granted ? 'POST' : 'DELETE',
        body,
      });
      return setRolePermission(role, permission, !granted, describeUndo, describe);
    },
  };
}

/** PATCH /api/v2/users/{id} `{ blocked }`; undone by the opposite. */
export function setUserBlocked(
  user: { user_id: string },
  blocked: boolean,
  describe: string,
  describeUndo: string,
): Edit {
  return {
    describe,
    async apply(token) {
      await callTenant(`/api/v2/users/${encode(user.user_id)}`, token, { method: 'PATCH', body: { blocked } });
      return setUserBlocked(user, !blocked, describeUndo, describe);
    },
  };
}
