import type { TenantConfig } from '../config/types.ts';
import type { Storage } from '../storage/contract.ts';
import { seedTenant } from '../tenant/seed.ts';
import { planImport } from './plan.ts';
import { type ImportPlan, planHasChanges } from './plan-types.ts';

/**
 * Imports a tenant.yaml into storage: exactly what `seedTenant` does at start-up (one atomic batch,
 * generated ids and secrets kept, grants resolved by client name once all clients are known, so the
 * order of sections and entries does not matter), but applied even when the file is the one applied
 * last, so that run-time (/api/v2) changes to declared entities are reverted.
 *
 * When the plan has no changes nothing is written at all (not even users' `updated_at`), which makes a
 * repeated import a no-op. The running server's in-memory registry must be refreshed afterwards.
 *
 * @returns the plan that was applied.
 * @throws ConfigError when a Management API grant names another tenant's issuer.
 */
export async function applyImport(storage: Storage, config: TenantConfig, issuer: string): Promise<ImportPlan> {
  const plan = await planImport(storage, config, issuer);
  if (!planHasChanges(plan)) return plan;
  await seedTenant(storage, config, issuer, { force: true });
  return plan;
}
