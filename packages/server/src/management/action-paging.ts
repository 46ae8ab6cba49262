import { invalidQuery } from './errors.ts';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;

/**
 * The Actions API's one paging style: always `{<collection>, total, page, per_page}`, with `page` (0-based)
 * and `per_page` (default 50, max 100), whether or not the caller asked for totals.
 */
export function countedPage<T>(items: readonly T[], query: URLSearchParams, collection: string): unknown {
  const perPage = integer(query.get('per_page'), 'per_page', DEFAULT_PAGE_SIZE);
  if (perPage < 1 || perPage > MAX_PAGE_SIZE) {
    throw invalidQuery(`Value ${perPage} is out of range 1 to ${MAX_PAGE_SIZE}`, 'per_page');
  }
  const page = integer(query.get('page'), 'page', 0);
  return {
    [collection]: items.slice(page * perPage, (page + 1) * perPage),
    total: items.length,
    page,
    per_page: perPage,
  };
}

function integer(value: string | null, name: string, fallback: number): number {
  if (value === null) return fallback;
  if (!/^\d{1,9}$/.test(value)) throw invalidQuery('Expected type integer but found type string', name);
  return Number(value);
}
