import { fileURLToPath } from 'node:url';
import { freePort } from '@authmesh/testkit';
import { loadTenantConfigFile } from '../../src/config/load.ts';
import type { TenantConfig } from '../../src/config/types.ts';
import { createTenant, type Tenant, type TenantOptions } from '../../src/create-tenant.ts';

export { freePort } from '@authmesh/testkit';

/** The example tenant (the seed's system): the SPA, three APIs, two M2M grants and a user-delegated one. */
export const EXAMPLE_CONFIG = fileURLToPath(new URL('../../../../examples/tenant.yaml', import.meta.url));
export const CATALOG = 'https://catalog.acme.test';
export const ORDERS_API = 'https://orders.acme.test';
export const INVENTORY_API = 'https://inventory.acme.test';
export const SPA_CLIENT_ID = 'acme-shop-spa';
export const CUSTOMER = { username: 'customer@acme.test', password: 'customer-demo-password' } as const;

/** The example tenant in memory with a console, its issuer `http://localhost:<port>/`. */
export async function startConsoleTenant(
  options: Partial<Pick<TenantOptions, 'console' | 'trustProxy' | 'onAudit' | 'host'>> & {
    /** Changes the example configuration before the tenant starts. */
    configure?: (config: TenantConfig) => TenantConfig;
  } = {},
): Promise<Tenant> {
  const port = await freePort();
  const config = await loadTenantConfigFile(EXAMPLE_CONFIG);
  return createTenant({
    config: options.configure ? options.configure(config) : config,
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

/** One parsed Server-Sent Event of the console's stream. */
export interface StreamEvent {
  id: string;
  event: string;
  data: Record<string, unknown>;
}

/**
 * An open `/console/api/activity` stream, parsed as events arrive. `next(predicate)` resolves with the
 * first event (already received or still to come) that matches, or rejects once `timeoutMs` has passed.
 */
export class ActivityReader {
  readonly events: StreamEvent[] = [];
  readonly #abort = new AbortController();
  #buffer = '';
  #waiters: Array<() => void> = [];

  private constructor() {}

  static async open(tenant: Tenant, token?: string): Promise<ActivityReader> {
    const reader = new ActivityReader();
    const response = await fetch(new URL('console/api/activity', tenant.url), {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      signal: reader.#abort.signal,
    });
    if (response.status !== 200 || !response.body) throw new Error(`activity stream: ${response.status}`);
    reader.#pump(response.body).catch(() => {});
    return reader;
  }

  async next(predicate: (event: StreamEvent) => boolean, timeoutMs = 5_000): Promise<StreamEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `no matching event within ${timeoutMs} ms; got ${JSON.stringify(this.events.map((e) => e.data))}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.#abort.abort();
  }

  async #pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of body) {
      this.#buffer += decoder.decode(chunk, { stream: true });
      let end = this.#buffer.indexOf('\n\n');
      while (end !== -1) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const fields = new Map<string, string>();
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
        }
        const data = fields.get('data');
        if (data !== undefined) {
          this.events.push({ id: fields.get('id') ?? '', event: fields.get('event') ?? '', data: JSON.parse(data) });
        }
        end = this.#buffer.indexOf('\n\n');
      }
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    }
  }
}
