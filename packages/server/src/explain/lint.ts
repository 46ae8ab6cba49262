import type { Client, TenantConfig } from '../config/types.ts';

/** Who may call what: one row per caller (client or role) and API, with what it gets there. */
export interface AccessRow {
  /** `client` rows come from client grants (client credentials), `role` rows from role permissions (users). */
  kind: 'client' | 'role';
  who: string;
  api: string;
  /** The scopes (client) or permissions (role) the caller gets at that API, sorted. */
  scopes: string[];
}

/** A finding a reviewer would flag, with where it is and how to fix it. */
export interface LintFinding {
  /** `error` findings make `authmesh lint` exit non-zero. */
  severity: 'error' | 'warning';
  /** Stable identifier of the rule, for tests and for filtering. */
  rule:
    | 'grant-without-client-credentials'
    | 'unobtainable-scope'
    | 'rbac-without-permissions-dialect'
    | 'spa-with-secret'
    | 'insecure-callback'
    | 'non-expiring-refresh-token';
  /** What is wrong, in one sentence. */
  message: string;
  /** What to change, in one sentence. */
  fix: string;
}

export interface LintReport {
  matrix: AccessRow[];
  findings: LintFinding[];
}

/** Reviews a tenant configuration: the access matrix and what a security reviewer would flag. */
export function lintTenant(config: TenantConfig): LintReport {
  return { matrix: accessMatrix(config), findings: [...clientFindings(config), ...apiFindings(config)] };
}

function accessMatrix(config: TenantConfig): AccessRow[] {
  const rows: AccessRow[] = config.clientGrants.map((g) => ({
    kind: 'client',
    who: g.client_id,
    api: g.audience,
    scopes: [...g.scope].sort(),
  }));
  for (const role of config.roles) {
    const byApi = new Map<string, string[]>();
    for (const p of role.permissions) {
      byApi.set(p.resource_server_identifier, [...(byApi.get(p.resource_server_identifier) ?? []), p.permission_name]);
    }
    for (const [api, scopes] of byApi) rows.push({ kind: 'role', who: role.name, api, scopes: scopes.sort() });
  }
  return rows;
}

function clientFindings(config: TenantConfig): LintFinding[] {
  const findings: LintFinding[] = [];
  for (const grant of config.clientGrants) {
    const client = config.clients.find((c) => c.name === grant.client_id || c.client_id === grant.client_id);
    if (client && !client.grant_types.includes('client_credentials')) {
      findings.push({
        severity: 'error',
        rule: 'grant-without-client-credentials',
        message: `The client ${client.name} has a client grant for ${grant.audience}, but its grant_types lack client_credentials: it can never use the grant.`,
        fix: `Add client_credentials to the grant_types of ${client.name}, or remove the grant.`,
      });
    }
  }
  for (const client of config.clients) {
    if (
      client.app_type === 'spa' &&
      (client.client_secret !== undefined || client.token_endpoint_auth_method !== 'none')
    ) {
      findings.push({
        severity: 'error',
        rule: 'spa-with-secret',
        message: `The SPA ${client.name} has a client secret (token_endpoint_auth_method ${client.token_endpoint_auth_method}): code shipped to browsers cannot keep one.`,
        fix: `Remove client_secret from ${client.name} and set token_endpoint_auth_method: none (PKCE protects the code).`,
      });
    }
    for (const url of [...client.callbacks, ...client.allowed_logout_urls]) {
      if (isPlainHttpOffLoopback(url)) {
        findings.push({
          severity: 'error',
          rule: 'insecure-callback',
          message: `The client ${client.name} allows ${url}: plain http off the loopback address lets anyone on the network read the codes and tokens sent to it.`,
          fix: `Use https:// for ${new URL(url).host}, or a loopback address (localhost, 127.0.0.1) while developing.`,
        });
      }
    }
    if (client.grant_types.includes('refresh_token') && neverExpires(client)) {
      findings.push({
        severity: 'warning',
        rule: 'non-expiring-refresh-token',
        message: `The client ${client.name} gets refresh tokens that never expire: a stolen one works forever.`,
        fix: `Set refresh_token.expiration_type: expiring with a token_lifetime and an idle_token_lifetime on ${client.name}.`,
      });
    }
  }
  return findings;
}

function apiFindings(config: TenantConfig): LintFinding[] {
  const findings: LintFinding[] = [];
  for (const api of config.resourceServers) {
    if (api.enforce_policies && !api.token_dialect.endsWith('_authz')) {
      findings.push({
        severity: 'warning',
        rule: 'rbac-without-permissions-dialect',
        message: `${api.name} enforces RBAC, but its token_dialect ${api.token_dialect} puts no permissions claim in tokens.`,
        fix: `Set token_dialect: ${api.token_dialect.startsWith('rfc9068') ? 'rfc9068_profile_authz' : 'access_token_authz'} on ${api.name}, so the API can check permissions.`,
      });
    }
    for (const { value } of api.scopes) {
      if (!obtainable(config, api.identifier, value, api.enforce_policies)) {
        findings.push({
          severity: 'warning',
          rule: 'unobtainable-scope',
          message: `No one can obtain the scope ${value} of ${api.name}: no client grant gives it and, as the API enforces RBAC, no role or user holds it.`,
          fix: `Give ${value} to a client grant, a role or a user, or remove it from ${api.name}.`,
        });
      }
    }
  }
  return findings;
}

/** Whether some client (by grant) or user (by permission, or by asking when there is no RBAC) can get `scope`. */
function obtainable(config: TenantConfig, audience: string, scope: string, rbac: boolean): boolean {
  if (config.clientGrants.some((g) => g.audience === audience && g.scope.includes(scope))) return true;
  if (!rbac) return config.clients.some((c) => c.grant_types.includes('authorization_code'));
  const held = (p: { resource_server_identifier: string; permission_name: string }) =>
    p.resource_server_identifier === audience && p.permission_name === scope;
  return config.roles.some((r) => r.permissions.some(held)) || config.users.some((u) => u.permissions.some(held));
}

function isPlainHttpOffLoopback(url: string): boolean {
  const parsed = URL.parse(url);
  if (parsed?.protocol !== 'http:') return false;
  return !['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname) && !parsed.hostname.endsWith('.localhost');
}

function neverExpires(client: Client): boolean {
  return client.refresh_token.expiration_type === 'non-expiring' || client.refresh_token.infinite_token_lifetime;
}
