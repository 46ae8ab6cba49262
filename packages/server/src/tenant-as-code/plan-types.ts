import type { EntityKind } from '../storage/contract.ts';

export type PlanAction = 'create' | 'update' | 'delete' | 'unchanged';

/** One field an update changes. Secret fields carry no values, so a plan is safe to print. */
export interface FieldChange {
  field: string;
  from?: unknown;
  to?: unknown;
  secret: boolean;
}

/** What an import does to one entity. */
export interface PlannedChange {
  /** A stored entity's kind, or `trigger`: the actions bound to one trigger. */
  kind: EntityKind | 'trigger';
  /**
   * The entity's identity in the file: identifier (APIs), name (clients, roles, actions), e-mail (users),
   * `<client name> → <audience>` (client grants), the trigger id (triggers).
   */
  key: string;
  action: PlanAction;
  /** For updates: the changed fields, in a fixed order. */
  fields?: string[];
  /** For updates: the same fields with old and new values (none for secrets). */
  changes?: FieldChange[];
}

/** The changes an import would make, resource servers first, then clients, grants, roles, users. */
export interface ImportPlan {
  changes: PlannedChange[];
}

/** True when applying the plan would change storage. */
export function planHasChanges(plan: ImportPlan): boolean {
  return plan.changes.some((c) => c.action !== 'unchanged');
}

/** Appended to a client grant's key in a plan when the grant is user-delegated (`subject_type: user`). */
export const USER_DELEGATED_SUFFIX = ' (user-delegated)';
