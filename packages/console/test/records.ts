import type { ConsoleApi, ConsoleClient } from '../src/types.ts';

/** A machine-to-machine application as /console/api/system describes one; `extra` overrides any field. */
export const consoleClient = (client_id: string, name: string, extra: Partial<ConsoleClient> = {}): ConsoleClient => ({
  client_id,
  name,
  app_type: 'non_interactive',
  is_first_party: true,
  grant_types: ['client_credentials'],
  token_endpoint_auth_method: 'client_secret_post',
  callbacks: [],
  allowed_origins: [],
  web_origins: [],
  allowed_logout_urls: [],
  ...extra,
});

/** An API (RBAC on, Auth0 dialect with permissions) as /console/api/system describes one. */
export const consoleApi = (identifier: string, name: string, extra: Partial<ConsoleApi> = {}): ConsoleApi => ({
  id: identifier,
  identifier,
  name,
  scopes: [],
  enforce_policies: true,
  token_dialect: 'access_token_authz',
  allow_offline_access: true,
  token_lifetime: 3600,
  is_system: false,
  ...extra,
});
