import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { loadTenantConfigFile } from '../../src/config/load.ts';
import { createTenant, type Tenant, type TenantOptions } from '../../src/create-tenant.ts';

/** The example tenant (the seed's system): the SPA, three APIs, two M2M grants and a user-delegated one. */
export const EXAMPLE_CONFIG = fileURLToPath(new URL('../../../../examples/tenant.yaml', import.meta.url));
export const CATALOG = 'https://catalog.acme.test';
export const ORDERS_API = 'https://orders.acme.test';
export const INVENTORY_API = 'https://inventory.acme.test';
export const SPA_CLIENT_ID = 'acme-shop-spa';
export const CUSTOMER = { username: 'customer@acme.test', password: 'customer-demo-password' } as const;

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The example tenant in memory with a console, its issuer `http://localhost:<port>/`. */
export async function startConsoleTenant(
  options: Partial<Pick<TenantOptions, 'console' | 'trustProxy' | 'onAudit' | 'host'>> = {},
): Promise<Tenant> {
  const port = await freePort();
  return createTenant({
    config: await loadTenantConfigFile(EXAMPLE_CONFIG),
    port,
    issuer: `http://localhost:${port}/`,
    dataDir: null,
    console: options.console ?? { access: 'loopback' },
    ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
    ...(options.onAudit ? { onAudit: options.onAudit } : {}),
    ...(options.host ? { host: options.host } : {}),
  });
}

/** The client id and secret the tenant generated for one of its clients. */
export function clientOf(tenant: Tenant, name: string): { clientId: string; clientSecret: string } {
  const client = tenant.clients.find((c) => c.name === name);
  if (!client?.client_secret) throw new Error(`no confidential client ${name}`);
  return { clientId: client.client_id, clientSecret: client.client_secret };
}

/** POST /oauth/token with client credentials. */
export async function clientCredentials(
  tenant: Tenant,
  client: { clientId: string; clientSecret: string },
  audience: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(new URL('oauth/token', tenant.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
      audience,
    }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** A request to the console's API (`/console/api/<path>`). */
export async function consoleApi(
  tenant: Tenant,
  path: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; json: unknown }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(new URL(`console/api/${path}`, tenant.url), {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, json };
}

/** The console's session token (loopback mode). */
export async function sessionToken(tenant: Tenant): Promise<string> {
  const session = await consoleApi(tenant, 'session');
  const token = (session.json as { management?: { token?: unknown } }).management?.token;
  if (session.status !== 200 || typeof token !== 'string') throw new Error(`no session: ${session.status}`);
  return token;
}
