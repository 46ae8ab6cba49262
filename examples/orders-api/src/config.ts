import { type CallerApiConfig, readCallerApiConfig } from '../../shared/caller-config.ts';
import type { Env } from '../../shared/env.ts';

/** Everything the orders API needs; it reads nothing else from the environment. */
export type OrdersConfig = CallerApiConfig;

/**
 * Reads the orders API's configuration from environment variables.
 *
 * @throws EnvError listing every missing or malformed variable, each with its fix.
 */
export function readConfig(env: Env): OrdersConfig {
  return readCallerApiConfig(env, {
    audienceVariable: 'ORDERS_AUDIENCE',
    audience: 'https://orders.acme.test',
    port: 4002,
    application: 'Orders Service',
  });
}
