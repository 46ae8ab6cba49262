import type { ActionCodeSource } from './action-code.ts';
import { normalizeActions } from './actions.ts';
import { type Catalog, createCatalog, registerClientIds, registerSection, type SectionEntry } from './catalog.ts';
import { normalizeClientGrants } from './client-grants.ts';
import { normalizeClient } from './clients.ts';
import { normalizeConnections } from './connections.ts';
import type { PathSegment } from './format-path.ts';
import { isRecord } from './format-path.ts';
import { checkApiClientIdCollisions } from './identifier-collisions.ts';
import type { IssueCollector } from './issues.ts';
import { normalizeResourceServer } from './resource-servers.ts';
import { normalizeRole } from './roles.ts';
import {
  type RawClient,
  type RawClientGrant,
  type RawResourceServer,
  type RawRole,
  type RawTenant,
  type RawUser,
  tenantFileSchema,
} from './schema.ts';
import { reportFieldPolicies, reportSchemaIssues } from './schema-issues.ts';
import { normalizeTenant } from './tenant.ts';
import type { TenantConfig } from './types.ts';
import { normalizeUsers } from './users.ts';

/** The validated sections of a tenant file, without `source` and `warnings`. */
export type ValidatedTenantFile = Omit<TenantConfig, 'source' | 'warnings'>;

/**
 * Validates parsed tenant.yaml data and returns the normalized sections. Every problem is recorded in
 * `issues` (the caller throws if there are any); the result is only meaningful when there are none.
 *
 * Each list entry is schema-checked on its own, so a broken client does not hide problems in the
 * others, and sections are then read in dependency order (APIs, clients, grants, roles, users,
 * tenant) so that references can be checked against what was declared. Actions' code files are read
 * through `code` (relative to its `baseDir`, keywords replaced with its `env` and `mappings`).
 */
export function validateTenantFile(
  data: unknown,
  issues: IssueCollector,
  code: ActionCodeSource = { baseDir: process.cwd(), env: {}, mappings: {} },
): ValidatedTenantFile {
  const raw = dropNulls(data) ?? {};
  const parsed = tenantFileSchema.safeParse(raw);
  const bad = parsed.success ? [] : reportSchemaIssues(parsed.error.issues, tenantFileSchema, raw, issues);
  reportFieldPolicies(tenantFileSchema, raw, [], issues);

  const catalog: Catalog = createCatalog();

  const apiEntries = sectionEntries<RawResourceServer>(raw, 'resourceServers', bad);
  const resourceServers = apiEntries.map((e) =>
    e.value === undefined ? undefined : normalizeResourceServer(e.value, e.path, issues),
  );
  registerSection(
    catalog.apis,
    apiEntries,
    resourceServers,
    { field: 'identifier', label: 'API identifier', fix: 'give each API its own identifier, or remove the duplicate' },
    issues,
  );

  const clientEntries = sectionEntries<RawClient>(raw, 'clients', bad);
  const clients = clientEntries.map((e) =>
    e.value === undefined ? undefined : normalizeClient(e.value, e.path, catalog, issues),
  );
  registerSection(
    catalog.clients,
    clientEntries,
    clients,
    {
      field: 'name',
      label: 'client name',
      fix: 'rename one of the clients: grants and the Deploy CLI find clients by name',
    },
    issues,
  );
  registerClientIds(catalog, clientEntries, issues);
  checkApiClientIdCollisions(catalog, issues);

  const clientGrants = normalizeClientGrants(sectionEntries<RawClientGrant>(raw, 'clientGrants', bad), catalog, issues);

  const roleEntries = sectionEntries<RawRole>(raw, 'roles', bad);
  const roles = roleEntries.map((e) =>
    e.value === undefined ? undefined : normalizeRole(e.value, e.path, catalog, issues),
  );
  registerSection(
    catalog.roles,
    roleEntries,
    roles,
    { field: 'name', label: 'role name', fix: 'rename one of the roles or merge their permissions' },
    issues,
  );

  const connections = normalizeConnections(raw, catalog, issues);

  const users = normalizeUsers(sectionEntries<RawUser>(raw, 'users', bad), catalog, issues);

  const { actions, triggers } = normalizeActions(raw, code, issues);

  const tenantValid = isRecord(raw) && !bad.some((p) => related(p, ['tenant']));
  const tenant = normalizeTenant(tenantValid ? (raw.tenant as RawTenant | undefined) : undefined, catalog, issues);

  return {
    tenant,
    resourceServers: defined(resourceServers),
    clients: defined(clients),
    clientGrants,
    roles: defined(roles),
    users,
    connections,
    actions,
    triggers,
  };
}

/** The entries of one top-level list; `value` is set on those with no schema issue inside or above them. */
function sectionEntries<T>(raw: unknown, section: string, bad: readonly PathSegment[][]): SectionEntry<T>[] {
  const list = isRecord(raw) ? raw[section] : undefined;
  if (!Array.isArray(list)) return [];
  return list.map((item: unknown, index) => {
    const path: PathSegment[] = [section, index];
    // No transforms in the schema: an entry without issues is exactly a valid T.
    return bad.some((p) => related(p, path)) ? { path, raw: item } : { path, raw: item, value: item as T };
  });
}

/** True when one path is a prefix of the other (an issue above or inside the entry). */
function related(a: readonly PathSegment[], b: readonly PathSegment[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function defined<T>(items: readonly (T | undefined)[]): T[] {
  return items.filter((item): item is T => item !== undefined);
}

/**
 * `key:` with no value is `null` in YAML, and Auth0 exports write unset fields as `null`; both mean
 * "not set", so null-valued keys are removed before validation. Nulls inside lists stay (and fail).
 */
function dropNulls(value: unknown): unknown {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.map((item: unknown) => (item === null ? null : dropNulls(item)));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (child !== null) out[key] = dropNulls(child);
  }
  return out;
}
