import { isManagementApiIdentifier } from './auth0-fields.ts';
import type { Catalog, Declared } from './catalog.ts';
import { formatPath, type PathSegment } from './format-path.ts';
import { type IssueCollector, quote } from './issues.ts';
import type { RawPermission } from './schema.ts';
import { didYouMean } from './suggest.ts';
import type { Client, Permission, ResourceServer, Role } from './types.ts';

/*
 * Cross-reference checks: everything that points from one entry to another (grants → clients and
 * APIs, permissions → API scopes, users → roles, MRRT policies → APIs). Each lookup reports a dangling
 * reference with the closest declared name, and returns undefined.
 */

const LISTED = 10;

/** `a, b, c` (at most ten, then `…`), for "declared ones are" hints. */
export function listOf(values: Iterable<string>): string {
  const all = [...values];
  const shown = all.slice(0, LISTED).map((v) => quote(v));
  return all.length > LISTED ? `${shown.join(', ')}, …` : shown.join(', ');
}

/** Resolves an API identifier used at `path`; `what` names the field in the message (e.g. `audience`). */
export function findApi(
  catalog: Catalog,
  identifier: string,
  path: readonly PathSegment[],
  what: string,
  issues: IssueCollector,
): Declared<ResourceServer> | undefined {
  const api = catalog.apis.get(identifier);
  if (api !== undefined) return api;
  const declared = [...catalog.apis.keys()];
  issues.error(
    path,
    `${what} ${quote(identifier)} is not a declared API${didYouMean(identifier, declared)}`,
    declared.length === 0
      ? 'declare the API under resourceServers'
      : `declare it under resourceServers or use a declared identifier: ${listOf(declared)}`,
  );
  return undefined;
}

/** Reports each scope that the API does not declare. Skipped when the API entry itself is broken. */
export function checkScopesOnApi(
  api: Declared<ResourceServer>,
  scopes: readonly string[],
  scopesPath: readonly PathSegment[],
  issues: IssueCollector,
): void {
  if (api.item === undefined) return;
  const declared = api.item.scopes.map((s) => s.value);
  scopes.forEach((scope, i) => {
    if (declared.includes(scope)) return;
    const have = declared.length === 0 ? 'it declares no scopes' : `its scopes are: ${listOf(declared)}`;
    issues.error(
      [...scopesPath, i],
      `scope ${quote(scope)} is not declared on API ${quote(api.key)}; ${have}`,
      `add ${quote(scope)} to ${formatPath([...api.path, 'scopes'])} or remove it here`,
    );
  });
}

/**
 * Checks `{permission_name, resource_server_identifier}` pairs (roles and users) and returns them
 * de-duplicated. A permission is a scope of a declared API.
 */
export function checkPermissions(
  permissions: readonly RawPermission[] | undefined,
  path: readonly PathSegment[],
  catalog: Catalog,
  issues: IssueCollector,
): Permission[] {
  const out: Permission[] = [];
  (permissions ?? []).forEach((permission, i) => {
    const at = [...path, i];
    const identifier = permission.resource_server_identifier;
    if (isManagementApiIdentifier(identifier)) {
      issues.error(
        [...at, 'resource_server_identifier'],
        `Management API permissions cannot be assigned to roles or users yet: ${quote(identifier)}`,
        'remove this permission; give a machine-to-machine client a client grant for the Management API instead',
      );
      return;
    }
    const api = findApi(
      catalog,
      identifier,
      [...at, 'resource_server_identifier'],
      'resource_server_identifier',
      issues,
    );
    if (api === undefined) return;
    if (api.item !== undefined && !api.item.scopes.some((s) => s.value === permission.permission_name)) {
      const declared = api.item.scopes.map((s) => s.value);
      issues.error(
        [...at, 'permission_name'],
        `permission ${quote(permission.permission_name)} is not a scope of API ${quote(identifier)}${didYouMean(permission.permission_name, declared)}`,
        `add it to ${formatPath([...api.path, 'scopes'])} or use one of: ${listOf(declared)}`,
      );
      return;
    }
    const duplicate = out.some(
      (p) => p.permission_name === permission.permission_name && p.resource_server_identifier === identifier,
    );
    if (!duplicate) out.push({ resource_server_identifier: identifier, permission_name: permission.permission_name });
  });
  return out;
}

/**
 * Resolves a client reference as the Deploy CLI writes it in grants: the client's name, or (also
 * accepted) the client_id pinned on a declared client.
 */
export function findClient(
  catalog: Catalog,
  reference: string,
  path: readonly PathSegment[],
  issues: IssueCollector,
): Declared<Client> | undefined {
  const client = catalog.clients.get(reference) ?? catalog.clientIds.get(reference);
  if (client !== undefined) return client;
  const names = [...catalog.clients.keys()];
  issues.error(
    path,
    `client ${quote(reference)} is not declared${didYouMean(reference, names)}`,
    names.length === 0
      ? 'declare the client under clients, or remove this grant'
      : `use the name of a declared client: ${listOf(names)}`,
  );
  return undefined;
}

/** Resolves a role NAME. */
export function findRole(
  catalog: Catalog,
  name: string,
  path: readonly PathSegment[],
  issues: IssueCollector,
): Declared<Role> | undefined {
  const role = catalog.roles.get(name);
  if (role !== undefined) return role;
  const names = [...catalog.roles.keys()];
  issues.error(
    path,
    `role ${quote(name)} is not declared${didYouMean(name, names)}`,
    names.length === 0 ? 'declare the role under roles' : `declare it under roles or use one of: ${listOf(names)}`,
  );
  return undefined;
}
