import type { TenantContext } from '../tenant/context.ts';
import type { EntityWriter } from './entity-writer.ts';

/** Who called: the client (`azp`, else `sub`) of a valid Management API token, and the scopes it holds. */
export interface Caller {
  id: string;
  scopes: ReadonlySet<string>;
  /**
   * The user a user's token (SPA login with the Management API audience) acts for: its `sub`. Absent for
   * machine-to-machine tokens. Self-service scopes (`read:current_user`…) apply to this user only.
   */
  user?: string;
  /** When the caller's token expires (epoch ms), from its `exp`. */
  expiresAt?: number;
}

/** A request as a route handler sees it: authenticated, authorised for the route, body parsed. */
export interface ManagementRequest {
  /** Path parameters, already percent-decoded (`/resource-servers/https%3A%2F%2Fapi` → `https://api`). */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** The parsed JSON body, or undefined when the request had none (only read for routes with `body: true`). */
  body: unknown;
  caller: Caller;
}

export interface ManagementResponse {
  status: number;
  /** Serialised as JSON; absent for 204. */
  body?: unknown;
}

export type ManagementMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One endpoint: `path` is relative to `/api/v2`, with `:name` parameters (`/clients/:id`). */
export interface ManagementRoute {
  method: ManagementMethod;
  path: string;
  /** The caller needs any one of these (Auth0: "Insufficient scope, expected any of: …"). */
  scopes: readonly string[];
  /** True when the route reads a JSON body. */
  body?: boolean;
  handler: (request: ManagementRequest) => Promise<ManagementResponse>;
}

/** What every resource module gets: the tenant, and the one way to write to it. */
export interface ManagementDeps {
  tenant: TenantContext;
  writer: EntityWriter;
}

/**
 * One successful change made through /api/v2 (who, what, when, from where: docs/security.md, "Management API"). Carries no
 * body, secret or token: the action and the ids in its path are enough to find what changed.
 */
export interface AuditEvent {
  /** ISO-8601 time of the answer. */
  time: string;
  /** The client of the token (`azp`, else `sub`). */
  actor: string;
  /** The user a self-service token acts for. */
  onBehalfOf?: string;
  /** Method and route, e.g. `POST /client-grants`, `PATCH /clients/:id`. */
  action: string;
  /** The path parameters (`{ id: 'cgr_…' }`). */
  target: Readonly<Record<string, string>>;
  status: number;
  /** The caller's address. */
  ip: string;
}
