import type { Catalog } from './catalog.ts';
import type { PathSegment } from './format-path.ts';
import type { IssueCollector } from './issues.ts';
import { checkPermissions } from './references.ts';
import type { RawRole } from './schema.ts';
import type { Role } from './types.ts';

/** Checks one role's permissions against the declared APIs and their scopes. */
export function normalizeRole(
  raw: RawRole,
  path: readonly PathSegment[],
  catalog: Catalog,
  issues: IssueCollector,
): Role {
  return {
    name: raw.name,
    ...(raw.description === undefined ? {} : { description: raw.description }),
    permissions: checkPermissions(raw.permissions, [...path, 'permissions'], catalog, issues),
  };
}
