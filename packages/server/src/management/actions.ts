import { randomUUID } from 'node:crypto';
import { DEFAULT_ACTION_RUNTIME } from '../config/actions.ts';
import type { Action, TriggerBindings } from '../config/types.ts';
import type { TenantContext } from '../tenant/context.ts';
import { renameInBindings, unbindEverywhere } from './action-bindings-store.ts';
import { type ActionInput, parseActionCreate, parseActionUpdate } from './action-input.ts';
import { countedPage } from './action-paging.ts';
import {
  type ActionDraft,
  actionView,
  currentDraft,
  putAction,
  type StoredAction,
  versionView,
} from './action-view.ts';
import { conflict, ManagementError } from './errors.ts';
import { booleanParam } from './pagination.ts';
import type { ManagementDeps, ManagementRoute } from './types.ts';

/*
 * `/api/v2/actions/actions`: create, list, get, update, delete and deploy, with Auth0's shapes and statuses
 * (POST 201, DELETE 204, lists always `{actions, total, page, per_page}`). As on Auth0, an edit to a deployed
 * action is a draft until the next deploy: the deployed version keeps running meanwhile. Writes are live
 * at once (the registry is refreshed before the answer) and durable (storage is the source of truth).
 * Bindings are in action-triggers.ts.
 */

const DUPLICATE = 'An action with the same name already exists.';

export function actionRoutes({ tenant, writer }: ManagementDeps): ManagementRoute[] {
  return [
    {
      method: 'GET',
      path: '/actions/actions',
      scopes: ['read:actions'],
      async handler({ query }) {
        const trigger = query.get('triggerId');
        const name = query.get('actionName');
        const deployed = query.has('deployed') ? booleanParam(query, 'deployed') : undefined;
        // No action here comes from a marketplace integration, so `installed=true` lists none.
        const installed = query.has('installed') ? booleanParam(query, 'installed') : false;
        const actions = stored(tenant).filter(
          (a) =>
            !installed &&
            (trigger === null || currentDraft(a).supported_triggers.some((t) => t.id === trigger)) &&
            (name === null || a.name === name) &&
            (deployed === undefined || a.deployed === deployed),
        );
        return { status: 200, body: countedPage(actions.map(actionView), query, 'actions') };
      },
    },
    {
      method: 'POST',
      path: '/actions/actions',
      scopes: ['create:actions'],
      body: true,
      async handler({ body }) {
        const input = parseActionCreate(body);
        return writer.exclusive(async () => {
          if (tenant.registry.action(input.name) !== undefined) throw conflict(DUPLICATE);
          const now = new Date().toISOString();
          const draft = applyInput(emptyDraft(), input);
          const action: StoredAction = {
            id: randomUUID(),
            name: input.name,
            ...draft,
            deployed: input.deploy === true,
            status: 'built',
            created_at: now,
            updated_at: now,
            ...(input.deploy === true ? { version: 1 } : {}),
          };
          await writer.commit([putAction(action)], DUPLICATE);
          return { status: 201, body: actionView(action) };
        });
      },
    },
    {
      method: 'GET',
      path: '/actions/actions/:id',
      scopes: ['read:actions'],
      async handler({ params }) {
        return { status: 200, body: actionView(findAction(tenant, params.id)) };
      },
    },
    {
      method: 'PATCH',
      path: '/actions/actions/:id',
      scopes: ['update:actions'],
      body: true,
      async handler({ params, body }) {
        const input = parseActionUpdate(body);
        return writer.exclusive(async () => {
          const stored = findAction(tenant, params.id);
          const name = input.name ?? stored.name;
          if (name !== stored.name && tenant.registry.action(name) !== undefined) throw conflict(DUPLICATE);
          const draft = applyInput(currentDraft(stored), input, stored.secrets);
          const now = new Date().toISOString();
          const { draft: _previous, ...rest } = stored;
          // A never-deployed action is edited in place; a deployed one keeps running its version.
          const action: StoredAction = stored.deployed
            ? { ...rest, name, draft, updated_at: now }
            : { ...rest, name, ...draft, updated_at: now };
          await writer.commit([putAction(action)], DUPLICATE);
          if (name !== stored.name) await renameInBindings(tenant, stored.name, name);
          return { status: 200, body: actionView(action) };
        });
      },
    },
    {
      method: 'DELETE',
      path: '/actions/actions/:id',
      scopes: ['delete:actions'],
      async handler({ params, query }) {
        const force = query.has('force') ? booleanParam(query, 'force') : false;
        return writer.exclusive(async () => {
          const stored = findAction(tenant, params.id);
          const bound = boundTo(tenant.registry.bindings(), stored.name);
          if (bound.length > 0 && !force) {
            throw new ManagementError(
              409,
              `The action is bound to ${bound.join(', ')}. Remove its bindings first, or delete it with force=true.`,
              'conflict',
            );
          }
          await writer.commit([{ op: 'delete', kind: 'action', id: stored.id }]);
          if (bound.length > 0) await unbindEverywhere(tenant, stored.name);
          return { status: 204 };
        });
      },
    },
    {
      method: 'POST',
      path: '/actions/actions/:id/deploy',
      scopes: ['create:actions'],
      async handler({ params }) {
        return writer.exclusive(async () => {
          const stored = findAction(tenant, params.id);
          const { draft, ...rest } = stored;
          const action: StoredAction = {
            ...rest,
            ...(draft ?? {}),
            deployed: true,
            version: stored.deployed ? (stored.version ?? 1) + (draft === undefined ? 0 : 1) : 1,
            updated_at: new Date().toISOString(),
          };
          await writer.commit([putAction(action)]);
          return { status: 200, body: versionView(action) };
        });
      },
    },
  ];
}

/** Every stored action, as the Management API keeps them (with drafts). */
function stored(tenant: TenantContext): StoredAction[] {
  return tenant.registry.actions() as StoredAction[];
}

export function findAction(tenant: TenantContext, id: string | undefined): StoredAction {
  const found = stored(tenant).find((a) => a.id === id);
  if (found === undefined) throw new ManagementError(404, 'The action does not exist.', 'not_found');
  return found;
}

function emptyDraft(): ActionDraft {
  return { code: '', runtime: DEFAULT_ACTION_RUNTIME, dependencies: [], secrets: [], supported_triggers: [] };
}

/** The draft after a write; a secret given without a value keeps the value stored under its name. */
function applyInput(draft: ActionDraft, input: ActionInput, deployedSecrets: Action['secrets'] = []): ActionDraft {
  const known = new Map([...deployedSecrets, ...draft.secrets].map((s) => [s.name, s.value]));
  return {
    code: input.code ?? draft.code,
    runtime: input.runtime ?? draft.runtime,
    dependencies: input.dependencies ?? draft.dependencies,
    secrets:
      input.secrets === undefined
        ? draft.secrets
        : input.secrets.map((s) => ({ name: s.name, value: s.value ?? known.get(s.name) ?? '' })),
    supported_triggers: input.supported_triggers ?? draft.supported_triggers,
  };
}

function boundTo(bindings: TriggerBindings, name: string): string[] {
  return Object.entries(bindings)
    .filter(([, names]) => names?.includes(name))
    .map(([trigger]) => trigger);
}
