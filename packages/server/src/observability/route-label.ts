/**
 * The `route` label of a request: one of the tenant's own paths, the prefix of a family of paths
 * (`/api/v2/`), or `other`. Paths come from the request, so they are never used as labels verbatim:
 * ids in paths and random 404s would create a series each.
 */
export function createRouteLabeler(paths: readonly string[], prefixes: readonly string[]): (path: string) => string {
  const exact = new Set(paths);
  return function routeOf(path: string): string {
    if (exact.has(path)) return path;
    for (const prefix of prefixes) if (path.startsWith(prefix)) return `${prefix}*`;
    return 'other';
  };
}
