import type { Action, Client, Connection, Permission, ResourceServer, Role } from '../config/types.ts';

/** A client as stored: the configuration plus the id and secret the tenant assigned or kept. */
export interface ClientRecord extends Client {
  client_id: string;
  /** Present for confidential clients only. */
  client_secret?: string;
}

export interface ResourceServerRecord extends ResourceServer {
  /** 24 hex characters, as Auth0 formats resource-server ids. */
  id: string;
}

export interface ClientGrantRecord {
  /** `cgr_` + 16 characters, as Auth0. */
  id: string;
  /** The real client id (names are resolved at seeding). */
  client_id: string;
  audience: string;
  scope: string[];
  /** `user`: a user-delegated grant (On-Behalf-Of token exchange); absent: machine-to-machine. */
  subject_type?: 'user';
}

export interface RoleRecord extends Role {
  /** `rol_` + 16 characters, as Auth0. */
  id: string;
}

/** A user of the tenant's database connection. `password_hash` never leaves the server. */
export interface UserRecord {
  user_id: string;
  email: string;
  email_verified: boolean;
  name: string;
  nickname: string;
  given_name?: string;
  family_name?: string;
  picture: string;
  password_hash: string;
  /** Role ids. */
  roles: string[];
  permissions: Permission[];
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  blocked: boolean;
  /**
   * The connection the user belongs to: a database connection's name, or a social/enterprise connection's
   * (then `password_hash` is empty and `user_id` is `<strategy>|<id>`). Absent on users stored before
   * connections existed: they belong to the default database connection.
   */
  connection?: string;
  /** Set only on connections with `requires_username`. */
  username?: string;
  /** The strategy of a social/enterprise user's connection (`google-oauth2`…); absent for database users. */
  provider?: string;
  /** Successful logins so far (tenant/login-stats.ts); absent until the first. */
  logins_count?: number;
  /** When and from where the last successful login came (ISO date, IP address). */
  last_login?: string;
  last_ip?: string;
  created_at: string;
  updated_at: string;
}

/** A connection as stored: enabled clients resolved to client ids. */
export interface ConnectionRecord extends Omit<Connection, 'enabled_clients'> {
  /** `con_` + 16 characters, as Auth0. */
  id: string;
  /** Client ids; `null` = every client, also those created later (as Auth0's default connection). */
  enabled_clients: string[] | null;
}

/** An action as stored (entity kind `action`, key = name), with the fields Auth0's Management API shows. */
export interface ActionRecord extends Action {
  /** A UUID, as Auth0 formats action ids. */
  id: string;
  /** True once deployed: only deployed actions run. */
  deployed: boolean;
  status: 'built';
  created_at: string;
  updated_at: string;
}

/** The tenant state key holding the trigger bindings (`TriggerBindings`). */
export const ACTION_BINDINGS_STATE_KEY = 'actions:bindings';

/**
 * A client grant's identity: Auth0 allows one machine-to-machine grant (`subject_type: client`, the
 * default) and one user-delegated grant (`subject_type: user`) per (client, audience).
 */
export function grantKey(clientId: string, audience: string, subjectType?: 'client' | 'user'): string {
  return subjectType === 'user' ? `${clientId} ${audience} user` : `${clientId} ${audience}`;
}
