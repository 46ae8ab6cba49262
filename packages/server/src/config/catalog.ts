import type { PathSegment } from './format-path.ts';
import { type IssueCollector, quote } from './issues.ts';
import { isRecord } from './schema-issues.ts';
import type { Client, ResourceServer, Role } from './types.ts';

/** One entry of a top-level list, with its schema-checked value when it passed the schema. */
export interface SectionEntry<T> {
  path: PathSegment[];
  raw: unknown;
  /** Undefined when the entry failed the schema (its issues are already recorded). */
  value?: T;
}

/**
 * A declared thing that others may reference. `item` is undefined when the declaration itself is
 * broken: references to it then resolve (so no cascade of "not declared" errors) but are not
 * checked any deeper.
 */
export interface Declared<T> {
  key: string;
  path: PathSegment[];
  item?: T;
}

/** Everything that can be referenced by name or identifier, built as the sections are read. */
export interface Catalog {
  apis: Map<string, Declared<ResourceServer>>;
  /** By client name. */
  clients: Map<string, Declared<Client>>;
  /** By pinned client_id. */
  clientIds: Map<string, Declared<Client>>;
  roles: Map<string, Declared<Role>>;
}

export function createCatalog(): Catalog {
  return { apis: new Map(), clients: new Map(), clientIds: new Map(), roles: new Map() };
}

interface RegisterOptions {
  /** The field holding the key, e.g. `identifier`. */
  field: string;
  /** How the message names the key, e.g. `API identifier`. */
  label: string;
  fix: string;
}

/**
 * Registers every entry of a section under `field` and reports duplicates at the later entry, naming
 * the earlier one. Broken entries are registered too (see {@link Declared}); the key is read from
 * the raw data so that a valid name on an otherwise broken entry still counts.
 */
export function registerSection<T>(
  map: Map<string, Declared<T>>,
  entries: readonly SectionEntry<unknown>[],
  items: readonly (T | undefined)[],
  options: RegisterOptions,
  issues: IssueCollector,
): void {
  entries.forEach((entry, i) => {
    const key = isRecord(entry.raw) ? entry.raw[options.field] : undefined;
    if (typeof key !== 'string' || key === '') return;
    const keyPath = [...entry.path, options.field];
    const first = map.get(key);
    if (first !== undefined) {
      issues.error(
        keyPath,
        `${options.label} ${quote(key)} is already used by ${issues.where([...first.path, options.field])}`,
        options.fix,
      );
      return;
    }
    const item = items[i];
    map.set(key, item === undefined ? { key, path: entry.path } : { key, path: entry.path, item });
  });
}
