/**
 * The console's HTTP contract with the tenant (`/console/api/*`), as the app reads it. The tenant's own
 * types live in the server package; the app is a browser bundle that talks to it over HTTP only, so it
 * keeps its own copy of the shapes it uses.
 */

/** `GET /console/api/session`. */
export interface ConsoleSession {
  mode: 'loopback' | 'management-token';
  tenant: { name: string; issuer: string };
  management: { audience: string; token?: string; expires_in?: number };
  include_tokens: boolean;
}

export interface ConsoleClient {
  client_id: string;
  name: string;
  app_type?: string;
  is_first_party: boolean;
  grant_types: string[];
  token_endpoint_auth_method: string;
  callbacks: string[];
  allowed_origins: string[];
  web_origins: string[];
  allowed_logout_urls: string[];
  refresh_token?: {
    rotation_type: string;
    expiration_type: string;
    /** Multi-Resource Refresh Token policies: the extra audiences one refresh token may get tokens for. */
    policies?: Array<{ audience: string; scope: string[] }>;
  };
}

export interface ConsoleApi {
  id: string;
  identifier: string;
  name: string;
  scopes: Array<{ value: string; description?: string }>;
  enforce_policies: boolean;
  token_dialect: string;
  allow_offline_access: boolean;
  token_lifetime: number;
  is_system: boolean;
}

export interface ConsoleClientGrant {
  id: string;
  client_id: string;
  audience: string;
  scope: string[];
  /** `user`: user-delegated (On-Behalf-Of token exchange); `client`: machine-to-machine. */
  subject_type: 'client' | 'user';
}

export interface Permission {
  audience: string;
  permission: string;
}

export interface ConsoleRole {
  id: string;
  name: string;
  description?: string;
  permissions: Permission[];
  user_count: number;
}

export interface ConsoleUser {
  user_id: string;
  email?: string;
  name?: string;
  blocked: boolean;
  role_ids: string[];
  permissions: Permission[];
}

/** `GET /console/api/system`: the whole tenant at once. */
export interface ConsoleSystem {
  tenant: { name: string; issuer: string; default_audience?: string };
  clients: ConsoleClient[];
  apis: ConsoleApi[];
  client_grants: ConsoleClientGrant[];
  roles: ConsoleRole[];
  users: { total: number; shown: ConsoleUser[] };
  actions: Array<{ trigger: string; actions: Array<{ id: string; name: string }> }>;
}

/** One event of `GET /console/api/activity` (the tenant's ActivityEvent). */
export type ActivityEvent = { id: number; time: string } & (
  | {
      type: 'login';
      outcome: 'success' | 'failure';
      client_id?: string;
      connection?: string;
      user_id?: string;
      username?: string;
      reason?: string;
      ip?: string;
    }
  | {
      type: 'token';
      grant_type: string;
      client_id: string;
      audience?: string;
      scope?: string;
      subject?: string;
      act?: unknown;
      access_token?: string;
      header?: Record<string, unknown>;
      claims?: Record<string, unknown>;
      expires_in?: number;
      ip?: string;
    }
  | {
      type: 'refusal';
      source: string;
      status: number;
      error: string;
      error_description?: string;
      reason: string;
      client_id?: string;
      grant_type?: string;
      audience?: string;
      user_id?: string;
      ip?: string;
    }
  | {
      type: 'refresh';
      outcome: 'rotated' | 'reuse_detected' | 'overlap';
      client_id?: string;
      user_id?: string;
      audience?: string;
    }
  | {
      type: 'management';
      actor: string;
      onBehalfOf?: string;
      action: string;
      target: Readonly<Record<string, string>>;
      status: number;
      ip: string;
    }
  | { type: 'action_log'; action: string; trigger: string; level: string; message: string }
);

/** The tenant's verdict for a token and an API (the same logic as `authmesh explain`). */
export interface TokenVerdict {
  accepted: boolean;
  facts: string[];
  reasons: string[];
  summary: string;
}

/** `POST /console/api/inspect`. */
export interface InspectResult {
  header: Record<string, unknown> | null;
  claims: Record<string, unknown> | null;
  explanations: Array<{ claim: string; value: unknown; meaning: string }>;
  signature: { verified: boolean; kid?: string; reason?: string };
  expiry?: { expired: boolean; exp: string; seconds: number };
  verdict?: TokenVerdict;
  apis: string[];
}
