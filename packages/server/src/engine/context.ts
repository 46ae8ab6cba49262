import type { TenantSettings } from '../config/types.ts';
import type { Storage } from '../storage/contract.ts';
import type { TenantRegistry } from '../tenant/registry.ts';

/** What the engine's hooks need from the tenant; passed explicitly, never imported as a singleton. */
export interface EngineContext {
  issuer: string;
  storage: Storage;
  registry: TenantRegistry;
  settings: TenantSettings;
}
