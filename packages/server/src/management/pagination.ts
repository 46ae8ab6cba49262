import { invalidQuery } from './errors.ts';

/*
 * Auth0's two pagination styles, for any list:
 * - offset: `page` (0-based), `per_page` (default 50, max 100), `include_totals`. With
 *   `include_totals=true` the answer is `{start, limit, total, <collection>}`, else a bare array. SDKs
 *   (node-auth0) ask for pages until one comes back short, so `page` must always be honoured.
 * - checkpoint: `from` (opaque) and `take` (default 50, max 100) give `{<collection>, next}`, `next` being
 *   omitted on the last page. node-auth0 lists client grants this way only.
 * The checkpoint is the base64url of the next offset: lists are in creation order, so it stays meaningful
 * between requests (an entity deleted meanwhile shifts later ones by one, as with offsets).
 */

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;

/**
 * The window of a list a query asks for, validated: where it starts, how many items at most, and how the
 * answer is shaped. Computed before reading, so a caller can read only that window from storage.
 */
export type PageWindow =
  | { style: 'checkpoint'; start: number; size: number }
  | { style: 'offset'; start: number; size: number; totals: boolean };

/** The window `query` asks for; Auth0's 400 on a bad `page`, `per_page`, `include_totals`, `from` or `take`. */
export function pageWindow(query: URLSearchParams): PageWindow {
  const offsetStyle = query.has('page') || query.has('per_page') || query.has('include_totals');
  if (!offsetStyle && (query.has('from') || query.has('take'))) {
    const start = checkpoint(query.get('from'));
    return { style: 'checkpoint', start, size: pageSize(query, 'take') };
  }
  const size = pageSize(query, 'per_page');
  const start = integer(query.get('page'), 'page', 0) * size;
  return { style: 'offset', start, size, totals: booleanParam(query, 'include_totals') };
}

/**
 * The answer for `window`, given the items in it (`page`, already cut from the list) and the length of the
 * whole list (`total`): what {@link paginate} answers for the whole list.
 */
export function pageBody<T>(window: PageWindow, page: readonly T[], total: number, collection: string): unknown {
  const end = window.start + window.size;
  if (window.style === 'checkpoint') {
    return end < total ? { [collection]: page, next: encodeCheckpoint(end) } : { [collection]: page };
  }
  if (!window.totals) return page;
  return { start: window.start, limit: window.size, total, [collection]: page };
}

/** One page of `items` in the style the query asks for. */
export function paginate<T>(items: readonly T[], query: URLSearchParams, collection: string): unknown {
  const window = pageWindow(query);
  return pageBody(window, items.slice(window.start, window.start + window.size), items.length, collection);
}

/** A `true`/`false` query parameter (absent is false). */
export function booleanParam(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null || value === 'false') return false;
  if (value === 'true') return true;
  throw invalidQuery(`Expected type boolean but found type string`, name);
}

function pageSize(query: URLSearchParams, name: string): number {
  const size = integer(query.get(name), name, DEFAULT_PAGE_SIZE);
  if (size < 1) throw invalidQuery(`Value ${size} is less than minimum 1`, name);
  if (size > MAX_PAGE_SIZE) throw invalidQuery(`Value ${size} is greater than maximum ${MAX_PAGE_SIZE}`, name);
  return size;
}

function integer(value: string | null, name: string, fallback: number): number {
  if (value === null) return fallback;
  if (!/^\d{1,9}$/.test(value)) throw invalidQuery('Expected type integer but found type string', name);
  return Number(value);
}

function encodeCheckpoint(offset: number): string {
  return Buffer.from(String(offset)).toString('base64url');
}

function checkpoint(from: string | null): number {
  if (from === null || from === '') return 0;
  const decoded = Buffer.from(from, 'base64url').toString('utf8');
  if (!/^\d{1,9}$/.test(decoded)) throw invalidQuery('Invalid checkpoint', 'from');
  return Number(decoded);
}
