import { invalidQuery } from './errors.ts';
import { booleanParam } from './pagination.ts';

/**
 * Auth0's `fields` (comma-separated top-level names) and `include_fields` (true: only those, the
 * default; false: all but those) on GET endpoints. Returns the projection for the query, to apply to
 * every object of the answer; without `fields` it returns objects unchanged.
 */
export function fieldSelection(query: URLSearchParams): <T extends object>(view: T) => Partial<T> {
  const list = query.get('fields');
  const include = query.has('include_fields') ? booleanParam(query, 'include_fields') : true;
  if (list === null) return (view) => view;
  const names = new Set(list.split(',').map((f) => f.trim()));
  if (names.has('')) throw invalidQuery('Fields must be a comma-separated list of field names', 'fields');
  return (view) =>
    Object.fromEntries(Object.entries(view).filter(([key]) => names.has(key) === include)) as Partial<typeof view>;
}
