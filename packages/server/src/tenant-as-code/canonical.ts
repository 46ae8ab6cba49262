import type { Permission } from '../config/types.ts';

/** Sorts permissions by API then name, so that exports and diffs do not depend on insertion order. */
export function sortPermissions(permissions: readonly Permission[]): Permission[] {
  return [...permissions]
    .sort(
      (a, b) =>
        compare(a.resource_server_identifier, b.resource_server_identifier) ||
        compare(a.permission_name, b.permission_name),
    )
    .map((p) => ({ permission_name: p.permission_name, resource_server_identifier: p.resource_server_identifier }));
}

/** Code-unit order, not locale order: the same bytes on every machine. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy of a JSON value with object keys sorted at every depth (metadata from /api/v2 has any order). */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => compare(a, b));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeysDeep(v)]));
}

/** Structural equality of JSON values; object key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeysDeep(a)) === JSON.stringify(sortKeysDeep(b));
}

/** True when the object has no keys (an empty `app_metadata` is left out of exports). */
export function isEmptyObject(value: Record<string, unknown>): boolean {
  return Object.keys(value).length === 0;
}
