import * as z from 'zod';
import { createCatalog } from '../config/catalog.ts';
import { IssueCollector } from '../config/issues.ts';
import { checkPermissions } from '../config/references.ts';
import { roleSchema } from '../config/schema.ts';
import type { Permission } from '../config/types.ts';
import type { ResourceServerRecord } from '../tenant/records.ts';
import { throwFirstIssue, validateBody } from './validation.ts';

/*
 * Bodies of POST/DELETE /roles/{id}/permissions and /users/{id}/permissions:
 * `{permissions: [{resource_server_identifier, permission_name}]}`, each item as tenant.yaml checks it.
 * Added permissions must be scopes of a declared API (400 naming the identifier or the permission), the
 * Management API excepted, as in tenant.yaml; removed ones are only checked for shape, so a caller can
 * always remove what it sees.
 */

const permissionList = roleSchema.shape.permissions.unwrap();
const bodySchema = z.strictObject({ permissions: permissionList.min(1) });

/** The permissions a POST body adds, checked against the APIs and de-duplicated. */
export function permissionsToAdd(body: unknown, apis: readonly ResourceServerRecord[]): Permission[] {
  const { permissions } = validateBody(bodySchema, body);
  const catalog = createCatalog();
  apis.forEach((api, i) => {
    catalog.apis.set(api.identifier, { key: api.identifier, path: ['resourceServers', i], item: api });
  });
  const issues = new IssueCollector('<request>');
  const checked = checkPermissions(permissions, ['permissions'], catalog, issues);
  throwFirstIssue(issues);
  return checked;
}

/** The permissions a DELETE body removes. */
export function permissionsToRemove(body: unknown): Permission[] {
  return validateBody(bodySchema, body).permissions;
}

/** `current` plus `added`, without duplicates, in insertion order. */
export function addPermissions(current: readonly Permission[], added: readonly Permission[]): Permission[] {
  const out = [...current];
  for (const p of added) if (!out.some((q) => samePermission(p, q))) out.push(p);
  return out;
}

/** `current` without `removed` (permissions that are not there are ignored, as in Auth0). */
export function removePermissions(current: readonly Permission[], removed: readonly Permission[]): Permission[] {
  return current.filter((p) => !removed.some((q) => samePermission(p, q)));
}

/**
 * A permission as Auth0 lists it, with the API's name and the scope's description (empty when the scope
 * has none: SDK types declare it as a string).
 */
export function permissionView(permission: Permission, apis: readonly ResourceServerRecord[]): Record<string, unknown> {
  const api = apis.find((a) => a.identifier === permission.resource_server_identifier);
  const scope = api?.scopes.find((s) => s.value === permission.permission_name);
  return {
    permission_name: permission.permission_name,
    description: scope?.description ?? '',
    resource_server_name: api?.name ?? permission.resource_server_identifier,
    resource_server_identifier: permission.resource_server_identifier,
  };
}

function samePermission(a: Permission, b: Permission): boolean {
  return a.resource_server_identifier === b.resource_server_identifier && a.permission_name === b.permission_name;
}
