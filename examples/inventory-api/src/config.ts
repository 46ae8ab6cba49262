import { type CallerApiConfig, readCallerApiConfig } from '../../shared/caller-config.ts';
import type { Env } from '../../shared/env.ts';

/** Everything the inventory API needs; it reads nothing else from the environment. */
export type InventoryConfig = CallerApiConfig;

/**
 * Reads the inventory API's configuration from environment variables.
 *
 * @throws EnvError listing every missing or malformed variable, each with its fix.
 */
export function readConfig(env: Env): InventoryConfig {
  return readCallerApiConfig(env, {
    audienceVariable: 'INVENTORY_AUDIENCE',
    audience: 'https://inventory.acme.test',
    port: 4003,
    application: 'Inventory Service',
  });
}
