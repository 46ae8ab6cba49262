import { ManagementError } from './errors.ts';
import type { ManagementRoute } from './types.ts';

/** The route a request resolved to, with its decoded path parameters. */
export interface RouteMatch {
  route: ManagementRoute;
  params: Record<string, string>;
}

/**
 * Finds the route for `method` and `path` (relative to `/api/v2`). Segments are split on `/` first and
 * then percent-decoded, so an encoded `/` stays inside its segment: `/resource-servers/https:%2F%2Fapi`
 * (go-auth0's `url.PathEscape`) and `/resource-servers/https%3A%2F%2Fapi` (node's `encodeURIComponent`)
 * both carry the identifier `https://api`. Unknown paths are 404, known paths with another method 405.
 */
export function matchRoute(routes: readonly ManagementRoute[], method: string, path: string): RouteMatch {
  const segments = splitPath(path);
  if (segments === undefined) throw notFound();
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchSegments(route.path, segments);
    if (params === undefined) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
  }
  if (allowed.length === 0) throw notFound();
  throw new ManagementError(405, 'Method Not Allowed', undefined, { headers: { Allow: allowed.join(', ') } });
}

function splitPath(path: string): string[] | undefined {
  const raw = path.split('/').slice(1);
  try {
    return raw.map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

function matchSegments(pattern: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = pattern.split('/').slice(1);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i] ?? '';
    if (part.startsWith(':')) {
      if (segment === '') return undefined;
      params[part.slice(1)] = segment;
    } else if (part !== segment) {
      return undefined;
    }
  }
  return params;
}

function notFound(): ManagementError {
  return new ManagementError(404, 'Not Found');
}
