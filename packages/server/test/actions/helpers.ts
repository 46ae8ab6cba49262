import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Action, TriggerBindings } from '../../src/config/types.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { ACTION_BINDINGS_STATE_KEY, type ActionRecord } from '../../src/tenant/records.ts';

/** An action as the config loader produces it, with its code inline. */
export function action(name: string, code: string, overrides: Partial<Action> = {}): Action {
  return {
    name,
    code,
    runtime: 'node22',
    dependencies: [],
    secrets: [],
    supported_triggers: [{ id: 'post-login', version: 'v3' }],
    ...overrides,
  };
}

/** Stores deployed actions and their bindings the way the tenant stores them. */
export async function storeActions(storage: Storage, actions: Action[], bindings: TriggerBindings): Promise<void> {
  const now = new Date().toISOString();
  await storage.entities.apply(
    actions.map((a, i) => {
      const doc: ActionRecord = {
        ...a,
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        deployed: true,
        status: 'built',
        created_at: now,
        updated_at: now,
      };
      return { op: 'put', kind: 'action', id: doc.id, key: a.name, doc };
    }),
  );
  await storage.setState(ACTION_BINDINGS_STATE_KEY, bindings);
}

/** A fresh folder for action files (hot reload, syntax errors with a file name). */
export function actionsDir(): string {
  return mkdtempSync(join(tmpdir(), 'authmesh-actions-'));
}

export function writeAction(dir: string, name: string, code: string): string {
  const file = join(dir, `${name}.js`);
  writeFileSync(file, code);
  return file;
}
