/**
 * Tenant as code: `authmesh export` (storage → Deploy CLI tenant.yaml) and `authmesh import`
 * (tenant.yaml → storage, with a dry-run plan).
 */
export { applyImport } from './apply.ts';
export { type ExportOptions, exportTenant, exportTenantFiles } from './export.ts';
export type { ExportedFile } from './export-actions.ts';
export { formatPlan } from './format-plan.ts';
export { passwordVariable } from './placeholders.ts';
export { planImport } from './plan.ts';
export {
  type FieldChange,
  type ImportPlan,
  type PlanAction,
  type PlannedChange,
  planHasChanges,
} from './plan-types.ts';
