import type { Action } from '../config/types.ts';
import type { EntityOp } from '../storage/contract.ts';
import type { ActionRecord } from '../tenant/records.ts';

/**
 * An action as the Management API stores it. Auth0 keeps the code being edited (the draft) apart from the
 * deployed version, which keeps running until the next deploy. The record's own fields are what runs (the
 * registry hands them to the runtime); `draft` holds the edits made since the last deploy, and `version`
 * counts deploys (Auth0's `deployed_version.number`). A never-deployed action has no draft: its fields
 * are the draft, and `deployed` is false.
 */
export interface StoredAction extends ActionRecord {
  draft?: ActionDraft;
  version?: number;
}

export type ActionDraft = Pick<Action, 'code' | 'runtime' | 'dependencies' | 'secrets' | 'supported_triggers'>;

export function putAction(action: StoredAction): EntityOp {
  return { op: 'put', kind: 'action', id: action.id, key: action.name, doc: action };
}

/** The code, runtime, dependencies, secrets and triggers being edited: the draft, or the record itself. */
export function currentDraft(action: StoredAction): ActionDraft {
  return (
    action.draft ?? {
      code: action.code,
      runtime: action.runtime,
      dependencies: action.dependencies,
      secrets: action.secrets,
      supported_triggers: action.supported_triggers,
    }
  );
}

/** Auth0's action object. Secret values are never returned, only their names (as Auth0). */
export function actionView(action: StoredAction): Record<string, unknown> {
  const draft = currentDraft(action);
  return {
    id: action.id,
    name: action.name,
    supported_triggers: draft.supported_triggers,
    all_changes_deployed: action.deployed && action.draft === undefined,
    created_at: action.created_at,
    updated_at: action.updated_at,
    code: draft.code,
    dependencies: draft.dependencies,
    runtime: draft.runtime,
    secrets: draft.secrets.map((s) => ({ name: s.name, updated_at: action.updated_at })),
    ...(action.deployed ? { deployed_version: versionView(action) } : {}),
    status: action.status,
    built_at: action.updated_at,
  };
}

/** Auth0's action version: what runs once deployed (`POST …/deploy` answers it). */
export function versionView(action: StoredAction): Record<string, unknown> {
  return {
    id: versionId(action),
    action_id: action.id,
    code: action.code,
    dependencies: action.dependencies,
    deployed: action.deployed,
    runtime: action.runtime,
    secrets: action.secrets.map((s) => ({ name: s.name, updated_at: action.updated_at })),
    status: 'built',
    number: action.version ?? 1,
    errors: [],
    action: {
      id: action.id,
      name: action.name,
      supported_triggers: action.supported_triggers,
      all_changes_deployed: action.draft === undefined,
      created_at: action.created_at,
      updated_at: action.updated_at,
    },
    built_at: action.updated_at,
    created_at: action.updated_at,
    updated_at: action.updated_at,
    supported_triggers: action.supported_triggers,
  };
}

/** A stable, UUID-shaped id per action version (derived, so nothing more needs storing). */
function versionId(action: StoredAction): string {
  const number = (action.version ?? 1).toString(16).padStart(12, '0').slice(-12);
  return `${action.id.slice(0, 24)}${number}`;
}
