import { fixtureConfig, freePort } from '@authmesh/testkit';
import { expect } from 'vitest';
import type { Client, TenantConfig } from '../../src/config/types.ts';
import { createTenant, type Tenant, type TenantOptions } from '../../src/create-tenant.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { MANAGEMENT_API_SCOPES, managementApiIdentifier } from '../../src/tenant/management-api.ts';

export { freePort } from '@authmesh/testkit';

/*
 * A fixture tenant with Management API callers. The grant audience `<issuer>api/v2/` must be in the
 * config before start, so the port is picked first and the issuer derived from it.
 */

export interface M2mCaller {
  name: string;
  clientId: string;
  clientSecret: string;
}

/** Every Management API scope authmesh knows. */
export const ADMIN: M2mCaller = {
  name: 'Management Admin',
  clientId: 'mgmt-admin-0001',
  clientSecret: 'mgmt-admin-secret-0123456789abcdef0123456789ab',
};
/** read:clients, read:resource_servers, read:client_grants. */
export const READER: M2mCaller = {
  name: 'Management Reader',
  clientId: 'mgmt-reader-0001',
  clientSecret: 'mgmt-reader-secret-0123456789abcdef0123456789a',
};
/** A Management API token with a scope no endpoint of this part accepts (`read:users`). */
export const OUTSIDER: M2mCaller = {
  name: 'Management Outsider',
  clientId: 'mgmt-outsider-0001',
  clientSecret: 'mgmt-outsider-secret-0123456789abcdef012345678',
};
/** Summary-only reader of clients. */
export const SUMMARY: M2mCaller = {
  name: 'Management Summary',
  clientId: 'mgmt-summary-0001',
  clientSecret: 'mgmt-summary-secret-0123456789abcdef0123456789',
};
/** update:clients and read:clients, but no key scopes. */
export const EDITOR: M2mCaller = {
  name: 'Management Editor',
  clientId: 'mgmt-editor-0001',
  clientSecret: 'mgmt-editor-secret-0123456789abcdef0123456789ab',
};

export const READER_SCOPES = ['read:clients', 'read:resource_servers', 'read:client_grants'];
export const CATALOG = 'https://catalog.example.test';
export const ORDERS = { clientId: 'orders-m2m-0001', clientSecret: 'orders-secret-0123456789abcdef0123456789abcdef' };

function m2mClient(caller: M2mCaller): Client {
  const template = fixtureConfig().clients.find((c) => c.app_type === 'non_interactive');
  if (!template) throw new Error('fixture has no non_interactive client');
  return { ...template, name: caller.name, client_id: caller.clientId, client_secret: caller.clientSecret };
}

/** The fixture config plus the Management API callers, for a tenant whose issuer is `issuer`. */
export function managementConfig(issuer: string, overrides: Partial<TenantConfig> = {}): TenantConfig {
  const base = fixtureConfig();
  const audience = managementApiIdentifier(issuer);
  const callers: [M2mCaller, string[]][] = [
    [ADMIN, [...MANAGEMENT_API_SCOPES]],
    [READER, READER_SCOPES],
    [OUTSIDER, ['read:users']],
    [SUMMARY, ['read:client_summary']],
    [EDITOR, ['read:clients', 'update:clients']],
  ];
  return {
    ...base,
    clients: [...base.clients, ...callers.map(([caller]) => m2mClient(caller))],
    clientGrants: [
      ...base.clientGrants,
      ...callers.map(([caller, scope]) => ({ client_id: caller.name, audience, scope: [...scope].sort() })),
    ],
    ...overrides,
  };
}

export interface StartOptions {
  port?: number;
  dataDir?: string | null;
  storage?: Storage;
  overrides?: Partial<TenantConfig>;
  onAudit?: TenantOptions['onAudit'];
}

/** A tenant with the Management API callers, on `port` (or a free one). */
export async function startManagementTenant(options: StartOptions = {}): Promise<Tenant> {
  const port = options.port ?? (await freePort());
  const issuer = `http://localhost:${port}/`;
  return createTenant({
    config: managementConfig(issuer, options.overrides),
    port,
    issuer,
    dataDir: options.dataDir === undefined ? null : options.dataDir,
    ...(options.storage ? { storage: options.storage } : {}),
    ...(options.onAudit ? { onAudit: options.onAudit } : {}),
  });
}

export interface Reply {
  status: number;
  headers: Headers;
  /** The parsed JSON body (undefined for an empty body). */
  json: unknown;
}

/** POST /oauth/token, client credentials. */
export async function clientCredentials(
  issuer: string,
  caller: Pick<M2mCaller, 'clientId' | 'clientSecret'>,
  audience: string,
  scope?: string,
): Promise<Reply> {
  const params: Record<string, string> = {
    grant_type: 'client_credentials',
    client_id: caller.clientId,
    client_secret: caller.clientSecret,
    audience,
  };
  if (scope !== undefined) params.scope = scope;
  const response = await fetch(new URL('oauth/token', issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return readReply(response);
}

/** A Management API access token for `caller`. */
export async function managementToken(issuer: string, caller: M2mCaller): Promise<string> {
  const reply = await clientCredentials(issuer, caller, managementApiIdentifier(issuer));
  const token = (reply.json as { access_token?: unknown }).access_token;
  if (reply.status !== 200 || typeof token !== 'string') {
    throw new Error(`no management token for ${caller.name}: ${reply.status} ${JSON.stringify(reply.json)}`);
  }
  return token;
}

export interface CallOptions {
  token?: string | undefined;
  body?: unknown;
  /** Sent as is (for malformed JSON); wins over `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A request to `/api/v2<path>`. */
export async function api(issuer: string, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined || options.body !== undefined) {
    body = options.rawBody ?? JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(new URL(`api/v2${path}`, issuer), { method, headers, body });
  return readReply(response);
}

async function readReply(response: Response): Promise<Reply> {
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, json };
}

/** A client bound to one tenant and one token, for terse tests. */
export function bind(issuer: string, token: string) {
  return (method: string, path: string, options: Omit<CallOptions, 'token'> = {}) =>
    api(issuer, method, path, { ...options, token });
}

/** Auth0's error body. */
export function errorBody(statusCode: number, message: string | RegExp, errorCode?: string): Record<string, unknown> {
  const reasons: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    429: 'Too Many Requests',
  };
  return {
    statusCode,
    error: reasons[statusCode],
    message: typeof message === 'string' ? message : expect.stringMatching(message),
    ...(errorCode === undefined ? {} : { errorCode }),
  };
}
