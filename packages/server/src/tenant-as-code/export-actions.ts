import type { TriggerBindings, TriggerId } from '../config/types.ts';
import type { ActionRecord } from '../tenant/records.ts';
import { compare } from './canonical.ts';

type Entry = Record<string, unknown>;

/** One file `authmesh export` writes beside the tenant.yaml: its path relative to the YAML's folder. */
export interface ExportedFile {
  path: string;
  content: string;
}

/** Where an action's code goes, as the Deploy CLI writes it: `./actions/<name>/code.js`. */
export function actionCodePath(name: string): string {
  return `./actions/${name}/code.js`;
}

/**
 * Actions as the Deploy CLI's YAML writes them (`code` naming the file written beside the YAML), sorted by
 * name, and their code files. Secret values are written only with `includeSecrets`; otherwise each is a
 * `##NAME##` keyword, which the importer sets in the environment (Auth0 never exports them either).
 * Only deployed actions are exported: what runs is the deployed version.
 */
export function actionSection(
  actions: readonly ActionRecord[],
  includeSecrets: boolean,
): { entries: Entry[]; files: ExportedFile[] } {
  const sorted = actions.filter((a) => a.deployed).sort((a, b) => compare(a.name, b.name));
  return {
    entries: sorted.map((action) => ({
      name: action.name,
      code: actionCodePath(action.name),
      runtime: action.runtime,
      deployed: true,
      dependencies: action.dependencies.map((d) => ({ name: d.name, version: d.version })),
      secrets: action.secrets.map((s) => ({ name: s.name, value: includeSecrets ? s.value : `##${s.name}##` })),
      supported_triggers: action.supported_triggers.map((t) => ({ id: t.id, version: t.version })),
    })),
    files: sorted.map((action) => ({ path: actionCodePath(action.name), content: action.code })),
  };
}

/** The trigger bindings as the Deploy CLI's `triggers:` section: per trigger, its actions in order. */
export function triggerSection(bindings: TriggerBindings): Entry {
  const out: Entry = {};
  for (const trigger of (Object.keys(bindings) as TriggerId[]).sort(compare)) {
    const names = bindings[trigger] ?? [];
    if (names.length > 0) out[trigger] = names.map((name) => ({ action_name: name, display_name: name }));
  }
  return out;
}
