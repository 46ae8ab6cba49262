import { jsonEqual } from './canonical.ts';
import type { FieldChange, PlannedChange } from './plan-types.ts';

/** Comparable views of an entity: the fields an import sets, as the file declares them and as stored. */
export interface Comparison {
  desired: Record<string, unknown>;
  stored: Record<string, unknown> | undefined;
  /** Fields compared but never printed (secrets, passwords). */
  secret?: readonly string[];
  /** Secret fields found different by other means (a password checked against its hash). */
  changedSecrets?: readonly string[];
}

/** The planned change for one declared entity: create when not stored, else a field-level diff. */
export function diffEntity(kind: PlannedChange['kind'], key: string, comparison: Comparison): PlannedChange {
  const { desired, stored } = comparison;
  if (stored === undefined) return { kind, key, action: 'create' };
  const secret = new Set(comparison.secret ?? []);
  const changes: FieldChange[] = [];
  for (const field of Object.keys(desired)) {
    if (jsonEqual(desired[field], stored[field])) continue;
    changes.push(
      secret.has(field) ? { field, secret: true } : { field, from: stored[field], to: desired[field], secret: false },
    );
  }
  for (const field of comparison.changedSecrets ?? []) changes.push({ field, secret: true });
  if (changes.length === 0) return { kind, key, action: 'unchanged' };
  return { kind, key, action: 'update', fields: changes.map((c) => c.field), changes };
}
