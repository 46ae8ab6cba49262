import type { PathSegment } from './format-path.ts';
import { isRecord } from './format-path.ts';
import { type IssueCollector, quote } from './issues.ts';
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

/**
 * Registers pinned client_ids so that grants may also reference a client by its id. The id maps to
 * the same entry as the client's name, so a grant always resolves to the NAME.
 */
export function registerClientIds(
  catalog: Catalog,
  entries: readonly SectionEntry<unknown>[],
  issues: IssueCollector,
): void {
  for (const entry of entries) {
    if (!isRecord(entry.raw)) continue;
    const { client_id: clientId, name } = entry.raw;
    if (typeof clientId !== 'string' || clientId === '' || typeof name !== 'string') continue;
    const first = catalog.clientIds.get(clientId);
    if (first !== undefined) {
      issues.error(
        [...entry.path, 'client_id'],
        `client_id ${quote(clientId)} is already pinned by ${issues.where([...first.path, 'client_id'])}`,
        'give each client its own client_id, or remove client_id to have one generated',
      );
      continue;
    }
    const declared = catalog.clients.get(name);
    if (declared !== undefined) catalog.clientIds.set(clientId, declared);
  }
}
