import type { EntityKind, Storage } from '../storage/contract.ts';
import { seededKey } from '../tenant/seed.ts';

/** The keys of the entities the last applied file declared: the only ones an import may delete. */
export async function seededKeys(storage: Storage, kind: EntityKind): Promise<string[]> {
  return (await storage.getState<string[]>(seededKey(kind))) ?? [];
}
