import { createHash } from 'node:crypto';
import { AUTH0_TRIGGERS, isRunTrigger, RUN_TRIGGERS } from '../config/actions.ts';
import type { TriggerId } from '../config/types.ts';
import type { TenantContext } from '../tenant/context.ts';
import { displayNames, writeBindings } from './action-bindings-store.ts';
import { triggerNotEmulated } from './action-input.ts';
import { countedPage } from './action-paging.ts';
import { actionView, type StoredAction } from './action-view.ts';
import { invalidBody, ManagementError } from './errors.ts';
import type { ManagementDeps, ManagementRoute } from './types.ts';

/*
 * `/api/v2/actions/triggers` and `/actions/triggers/:triggerId/bindings`. A binding refers to a deployed
 * action by name or id (`ref: { type: action_name | action_id, value }`); a PATCH replaces the whole
 * list of a trigger, whose order is the execution order. Triggers Auth0 has and authmesh does not run are
 * listed with no bindings, and accept an empty list, so the Deploy CLI's `triggers` section (which writes
 * every trigger) deploys; binding an action to one of them answers 501 `not_emulated`.
 */

/** The Node runtimes Auth0 offers for new versions. */
const RUNTIMES = ['node18-actions', 'node22'];

export function actionTriggerRoutes({ tenant, writer }: ManagementDeps): ManagementRoute[] {
  return [
    {
      method: 'GET',
      path: '/actions/triggers',
      scopes: ['read:actions'],
      async handler() {
        return { status: 200, body: { triggers: AUTH0_TRIGGERS.map(triggerView) } };
      },
    },
    {
      method: 'GET',
      path: '/actions/triggers/:triggerId/bindings',
      scopes: ['read:actions'],
      async handler({ params, query }) {
        const trigger = knownTrigger(params.triggerId);
        const bindings = isRunTrigger(trigger) ? await bindingViews(tenant, trigger) : [];
        return { status: 200, body: countedPage(bindings, query, 'bindings') };
      },
    },
    {
      method: 'PATCH',
      path: '/actions/triggers/:triggerId/bindings',
      scopes: ['update:actions'],
      body: true,
      async handler({ params, body }) {
        const trigger = knownTrigger(params.triggerId);
        const refs = parseBindings(body);
        if (!isRunTrigger(trigger)) {
          if (refs.length > 0) throw triggerNotEmulated(trigger);
          return { status: 200, body: { bindings: [] } };
        }
        return writer.exclusive(async () => {
          const resolved = refs.map((ref, i) => {
            const action = resolve(tenant, ref, i);
            if (!action.deployed) {
              throw invalidBody(
                `Action '${action.name}' must be deployed before it can be bound`,
                `bindings[${i}].ref`,
              );
            }
            if (!action.supported_triggers.some((t) => t.id === trigger)) {
              throw invalidBody(
                `Action '${action.name}' does not support the trigger '${trigger}'`,
                `bindings[${i}].ref`,
              );
            }
            return { name: action.name, displayName: ref.displayName ?? action.name };
          });
          const names = resolved.map((b) => b.name);
          const twice = names.find((n, i) => names.indexOf(n) !== i);
          if (twice !== undefined) throw invalidBody(`Action '${twice}' is bound twice`, 'bindings');
          await writeBindings(tenant, trigger, resolved);
          return { status: 200, body: { bindings: await bindingViews(tenant, trigger) } };
        });
      },
    },
  ];
}

function knownTrigger(id: string | undefined): string {
  if (id === undefined || !AUTH0_TRIGGERS.includes(id)) {
    throw new ManagementError(404, `The trigger ${id ?? ''} does not exist.`, 'not_found');
  }
  return id;
}

function triggerView(id: string): Record<string, unknown> {
  return {
    id,
    version: isRunTrigger(id) ? RUN_TRIGGERS[id] : 'v1',
    status: 'CURRENT',
    runtimes: RUNTIMES,
    default_runtime: 'node22',
    compatible_triggers: [],
    binding_policy: 'trigger-bound',
  };
}

interface BindingRef {
  type: 'action_name' | 'action_id';
  value: string;
  displayName?: string;
}

function parseBindings(body: unknown): BindingRef[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidBody('Payload must be an object');
  const raw = body as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (key !== 'bindings') throw invalidBody(`Additional properties not allowed: ${key}`);
  }
  if (!Array.isArray(raw.bindings)) throw invalidBody('Missing required property: bindings');
  return raw.bindings.map((item: unknown, i): BindingRef => {
    const binding = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    const ref =
      typeof binding.ref === 'object' && binding.ref !== null ? (binding.ref as Record<string, unknown>) : undefined;
    if (ref === undefined) throw invalidBody('Missing required property: ref', `bindings[${i}]`);
    if (ref.type !== 'action_name' && ref.type !== 'action_id') {
      throw invalidBody(`No enum match for: "${String(ref.type)}"`, `bindings[${i}].ref.type`);
    }
    if (typeof ref.value !== 'string' || ref.value === '') {
      throw invalidBody('Missing required property: value', `bindings[${i}].ref`);
    }
    const display = binding.display_name;
    if (display !== undefined && typeof display !== 'string') {
      throw invalidBody('Expected type string', `bindings[${i}].display_name`);
    }
    return display === undefined || display === ''
      ? { type: ref.type, value: ref.value }
      : { type: ref.type, value: ref.value, displayName: display };
  });
}

function resolve(tenant: TenantContext, ref: BindingRef, index: number): StoredAction {
  const actions = tenant.registry.actions() as StoredAction[];
  const found =
    ref.type === 'action_name' ? tenant.registry.action(ref.value) : actions.find((a) => a.id === ref.value);
  if (found === undefined) {
    throw invalidBody(`Action '${ref.value}' does not exist`, `bindings[${index}].ref`);
  }
  return found as StoredAction;
}

async function bindingViews(tenant: TenantContext, trigger: TriggerId): Promise<Record<string, unknown>[]> {
  const shown = (await displayNames(tenant))[trigger] ?? {};
  const views: Record<string, unknown>[] = [];
  for (const name of tenant.registry.bindings()[trigger] ?? []) {
    const action = tenant.registry.action(name) as StoredAction | undefined;
    if (action === undefined) continue;
    views.push({
      id: bindingId(trigger, action.id),
      trigger_id: trigger,
      display_name: shown[name] ?? name,
      action: actionView(action),
      created_at: action.created_at,
      updated_at: action.updated_at,
    });
  }
  return views;
}

/** Stable per trigger and action, UUID-shaped. */
function bindingId(trigger: string, actionId: string): string {
  const hex = createHash('sha256').update(`${trigger}\0${actionId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
