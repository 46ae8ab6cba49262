import { type CallerApiConfig, readCallerApiConfig } from '../../shared/caller-config.ts';
import { type Env, EnvError } from '../../shared/env.ts';

/** Everything the orders API needs; it reads nothing else from the environment. */
export interface OrdersConfig extends CallerApiConfig {
  /**
   * The Orders API's own Custom API client (`Orders API (client)`), which exchanges a customer's token for a
   * catalog token on the customer's behalf. Absent: `GET /prices/mine` answers 503 and says what to set.
   */
  onBehalfOf: { clientId: string; clientSecret: string } | undefined;
}

/**
 * Reads the orders API's configuration from environment variables.
 *
 * @throws EnvError listing every missing or malformed variable, each with its fix.
 */
export function readConfig(env: Env): OrdersConfig {
  const base = readCallerApiConfig(env, {
    audienceVariable: 'ORDERS_AUDIENCE',
    audience: 'https://orders.acme.test',
    port: 4002,
    application: 'Orders Service',
  });
  const clientId = env.ORDERS_API_CLIENT_ID?.trim();
  const clientSecret = env.ORDERS_API_CLIENT_SECRET?.trim();
  if (Boolean(clientId) !== Boolean(clientSecret)) {
    throw new EnvError([
      'ORDERS_API_CLIENT_ID and ORDERS_API_CLIENT_SECRET go together: set both to the "Orders API (client)" credentials (authmesh prints them with `npx authmesh dev`; Auth0: Applications → APIs → Orders API → the API\'s client), or neither',
    ]);
  }
  return { ...base, onBehalfOf: clientId && clientSecret ? { clientId, clientSecret } : undefined };
}
