import type { TriggerBindings, TriggerId } from '../config/types.ts';
import type { TenantContext } from '../tenant/context.ts';
import { ACTION_BINDINGS_STATE_KEY } from '../tenant/records.ts';

/**
 * The trigger bindings as the Management API writes them: the action names per trigger (the state the
 * runtime reads through the registry), and beside them the `display_name` each binding was given, which
 * only the Management API shows. Callers hold the {@link EntityWriter}'s exclusive lock.
 */

/** Tenant state key: per trigger, per action name, the binding's display name when it differs from the name. */
export const BINDING_DISPLAY_NAMES_STATE_KEY = 'actions:binding-display-names';

export type DisplayNames = Partial<Record<TriggerId, Record<string, string>>>;

export async function displayNames(tenant: TenantContext): Promise<DisplayNames> {
  return (await tenant.storage.getState<DisplayNames>(BINDING_DISPLAY_NAMES_STATE_KEY)) ?? {};
}

/** Stores the bindings of one trigger (in execution order) and makes them live. */
export async function writeBindings(
  tenant: TenantContext,
  trigger: TriggerId,
  bindings: readonly { name: string; displayName: string }[],
): Promise<void> {
  const names = await displayNames(tenant);
  const shown: Record<string, string> = {};
  for (const b of bindings) if (b.displayName !== b.name) shown[b.name] = b.displayName;
  await tenant.storage.setState(BINDING_DISPLAY_NAMES_STATE_KEY, { ...names, [trigger]: shown });
  const all: TriggerBindings = { ...tenant.registry.bindings(), [trigger]: bindings.map((b) => b.name) };
  if (bindings.length === 0) delete all[trigger];
  await tenant.storage.setState(ACTION_BINDINGS_STATE_KEY, all);
  await tenant.registry.publish();
}

/** Follows an action's rename: bindings refer to actions by name. */
export async function renameInBindings(tenant: TenantContext, from: string, to: string): Promise<void> {
  await rewrite(tenant, (names) => names.map((n) => (n === from ? to : n)));
}

/** Removes an action from every trigger (`DELETE …?force=true`). */
export async function unbindEverywhere(tenant: TenantContext, name: string): Promise<void> {
  await rewrite(tenant, (names) => names.filter((n) => n !== name));
}

async function rewrite(tenant: TenantContext, change: (names: string[]) => string[]): Promise<void> {
  const all: TriggerBindings = {};
  for (const [trigger, names] of Object.entries(tenant.registry.bindings()) as [TriggerId, string[]][]) {
    const next = change(names);
    if (next.length > 0) all[trigger] = next;
  }
  await tenant.storage.setState(ACTION_BINDINGS_STATE_KEY, all);
  await tenant.registry.publish();
}
