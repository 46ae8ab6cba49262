import type { Action, TriggerBindings, TriggerId } from '../config/types.ts';
import type { ActionRecord } from '../tenant/records.ts';
import { compare } from './canonical.ts';
import { type Comparison, diffEntity } from './diff.ts';
import type { PlannedChange } from './plan-types.ts';

/** The fields an import writes on an action; secret values are compared but never printed. */
function actionFields(action: Action): Record<string, unknown> {
  return {
    code: action.code,
    runtime: action.runtime,
    dependencies: action.dependencies,
    secrets: action.secrets,
    supported_triggers: action.supported_triggers,
  };
}

export function compareAction(action: Action, stored: ActionRecord | undefined): Comparison {
  // An action that is stored but not deployed is deployed by the import: a change too.
  const storedFields = stored && { ...actionFields(stored), deployed: stored.deployed };
  return { desired: { ...actionFields(action), deployed: true }, stored: storedFields, secret: ['secrets'] };
}

/**
 * The bindings an import would write, per trigger (a file with actions or triggers owns them all, as
 * `a0deploy import` rewrites each trigger): `actions` is the trigger's action names in order.
 */
export function planTriggers(declared: TriggerBindings, stored: TriggerBindings | undefined): PlannedChange[] {
  const triggers = new Set([...Object.keys(declared), ...Object.keys(stored ?? {})] as TriggerId[]);
  return [...triggers].sort(compare).flatMap((trigger) => {
    const desired = declared[trigger] ?? [];
    const current = stored?.[trigger];
    if (current === undefined || current.length === 0) {
      return desired.length === 0 ? [] : [{ kind: 'trigger', key: trigger, action: 'create' } as const];
    }
    if (desired.length === 0) return [{ kind: 'trigger', key: trigger, action: 'delete' } as const];
    return [diffEntity('trigger', trigger, { desired: { actions: desired }, stored: { actions: current } })];
  });
}
