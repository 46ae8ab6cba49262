import type { TenantSettings } from '../config/types.ts';
import type { Storage } from '../storage/contract.ts';
import type { ActivityFeed } from './activity.ts';
import type { PasswordHasher } from './password-kdf.ts';
import type { TenantRegistry } from './registry.ts';

/**
 * What one running tenant is: its issuer, its storage, the registry of its clients, APIs, grants and roles,
 * and its settings. Built once by the composition root and passed explicitly to the engine's hooks, the
 * Auth0 request layer, the login pages and the Management API; never imported as a singleton.
 */
export interface TenantContext {
  issuer: string;
  storage: Storage;
  registry: TenantRegistry;
  settings: TenantSettings;
  /** The live activity stream (the console's); publishing costs nothing while nobody listens. */
  activity: ActivityFeed;
  /** Where password hashes are derived: the tenant's hashing workers (may refuse when busy, see password-pool.ts). */
  passwordHasher: PasswordHasher;
}
