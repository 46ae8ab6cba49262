import * as z from 'zod';
import {
  AUTH0_APP_TYPES,
  IGNORED_CLIENT_FIELDS,
  IGNORED_CLIENT_GRANT_FIELDS,
  IGNORED_FIELD_NOTES,
  IGNORED_JWT_CONFIGURATION_FIELDS,
  IGNORED_RESOURCE_SERVER_FIELDS,
  IGNORED_ROLE_FIELDS,
  IGNORED_SECTIONS,
  IGNORED_TENANT_FIELDS,
  IGNORED_USER_FIELDS,
  UNSUPPORTED_CLIENT_FIELDS,
  UNSUPPORTED_CLIENT_GRANT_FIELDS,
  type UnsupportedField,
} from './auth0-fields.ts';
import { clientMetadataSchema } from './client-metadata.ts';
import {
  MAX_ACCESS_TOKEN_LIFETIME,
  MAX_ID_TOKEN_LIFETIME,
  MAX_IDENTIFIER_LENGTH,
  MAX_REFRESH_TOKEN_LEEWAY,
  MAX_REFRESH_TOKEN_LIFETIME,
  MAX_SESSION_LIFETIME_HOURS,
} from './defaults.ts';

/*
 * The shape of tenant.yaml: types, enums, ranges and strictness only. Rules that need context (app
 * type, other entries, URL syntax, secrets that must not be echoed) live in the per-section modules.
 * No schema applies defaults or transforms, so a value that passes is exactly the raw YAML value.
 */

/** How a field outside authmesh's feature set is treated: accepted with a warning, or refused. */
export type FieldPolicy = { kind: 'ignored'; note?: string } | ({ kind: 'unsupported' } & UnsupportedField);

const fieldPolicies = new WeakMap<z.ZodType, FieldPolicy>();

/** The policy attached to a field's schema, if the field is one authmesh ignores or refuses. */
export function fieldPolicy(schema: z.ZodType): FieldPolicy | undefined {
  return fieldPolicies.get(schema);
}

function policyField(policy: FieldPolicy): z.ZodType {
  const schema = z.unknown().optional();
  fieldPolicies.set(schema, policy);
  return schema;
}

/**
 * A strict object whose shape also declares the ignored/unsupported Auth0 fields, so they are neither
 * "unknown key" errors nor silently accepted. The cast keeps those fields out of the inferred type:
 * nothing downstream may read them.
 */
function strictWith<S extends z.core.$ZodLooseShape>(
  shape: S,
  ignored: readonly string[],
  unsupported: Readonly<Record<string, UnsupportedField>> = {},
): z.ZodObject<S, z.core.$strict> {
  const extra: Record<string, z.ZodType> = {};
  for (const key of ignored) {
    const note = IGNORED_FIELD_NOTES[key];
    extra[key] = policyField(note === undefined ? { kind: 'ignored' } : { kind: 'ignored', note });
  }
  for (const [key, field] of Object.entries(unsupported)) extra[key] = policyField({ kind: 'unsupported', ...field });
  return z.strictObject({ ...shape, ...extra }) as unknown as z.ZodObject<S, z.core.$strict>;
}

const nonEmpty = z.string().min(1);
const urlList = z.array(z.string());
const metadata = z.record(z.string(), z.unknown());

const permissionSchema = z.strictObject({
  permission_name: nonEmpty,
  resource_server_identifier: nonEmpty,
});

export const resourceServerSchema = strictWith(
  {
    name: nonEmpty,
    identifier: z.string().min(1).max(MAX_IDENTIFIER_LENGTH),
    scopes: z.array(z.strictObject({ value: nonEmpty, description: z.string().optional() })).optional(),
    token_lifetime: z.int().min(1).max(MAX_ACCESS_TOKEN_LIFETIME).optional(),
    enforce_policies: z.boolean().optional(),
    token_dialect: z
      .enum(['access_token', 'access_token_authz', 'rfc9068_profile', 'rfc9068_profile_authz'])
      .optional(),
    allow_offline_access: z.boolean().optional(),
    // A plain string: the RS256-only rule is checked later with a message that says why.
    signing_alg: z.string().optional(),
    skip_consent_for_verifiable_first_party_clients: z.boolean().optional(),
    is_system: z.boolean().optional(),
  },
  IGNORED_RESOURCE_SERVER_FIELDS,
);

const refreshTokenSchema = z.strictObject({
  rotation_type: z.enum(['rotating', 'non-rotating']).optional(),
  expiration_type: z.enum(['expiring', 'non-expiring']).optional(),
  leeway: z.int().min(0).max(MAX_REFRESH_TOKEN_LEEWAY).optional(),
  token_lifetime: z.int().min(1).max(MAX_REFRESH_TOKEN_LIFETIME).optional(),
  infinite_token_lifetime: z.boolean().optional(),
  idle_token_lifetime: z.int().min(1).max(MAX_REFRESH_TOKEN_LIFETIME).optional(),
  infinite_idle_token_lifetime: z.boolean().optional(),
  policies: z.array(z.strictObject({ audience: nonEmpty, scope: z.array(nonEmpty) })).optional(),
});

export const clientSchema = strictWith(
  {
    name: nonEmpty,
    // Optional as in Auth0: a client without one is Auth0's generic application.
    app_type: z.enum(AUTH0_APP_TYPES).optional(),
    description: z.string().max(140).optional(),
    client_id: z.string().optional(),
    client_metadata: clientMetadataSchema.optional(),
    client_secret: z.string().optional(),
    callbacks: urlList.optional(),
    allowed_logout_urls: urlList.optional(),
    web_origins: urlList.optional(),
    allowed_origins: urlList.optional(),
    // Plain strings: Auth0-only grant types are dropped with a warning rather than refused.
    grant_types: z.array(z.string()).optional(),
    token_endpoint_auth_method: z.enum(['none', 'client_secret_post', 'client_secret_basic']).optional(),
    is_first_party: z.boolean().optional(),
    refresh_token: refreshTokenSchema.optional(),
    // A Custom API client (app_type: resource_server): the API it is the client of (On-Behalf-Of exchange).
    resource_server_identifier: nonEmpty.optional(),
    token_exchange: z
      .strictObject({
        allow_any_profile_of_type: z.array(z.enum(['on_behalf_of_token_exchange', 'custom_authentication'])),
      })
      .optional(),
    jwt_configuration: strictWith(
      {
        alg: z.string().optional(),
        lifetime_in_seconds: z.int().min(1).max(MAX_ID_TOKEN_LIFETIME).optional(),
      },
      IGNORED_JWT_CONFIGURATION_FIELDS,
    ).optional(),
  },
  IGNORED_CLIENT_FIELDS,
  UNSUPPORTED_CLIENT_FIELDS,
);

export const clientGrantSchema = strictWith(
  {
    // Optional: a `default_for` grant (refused over /api/v2, skipped in a file) has none.
    client_id: nonEmpty.optional(),
    audience: nonEmpty,
    scope: z.array(nonEmpty).optional(),
    allow_all_scopes: z.boolean().optional(),
    subject_type: z.enum(['client', 'user']).optional(),
  },
  IGNORED_CLIENT_GRANT_FIELDS,
  UNSUPPORTED_CLIENT_GRANT_FIELDS,
);

export const roleSchema = strictWith(
  {
    name: nonEmpty,
    description: z.string().optional(),
    permissions: z.array(permissionSchema).optional(),
  },
  IGNORED_ROLE_FIELDS,
);

export const userSchema = strictWith(
  {
    email: nonEmpty,
    // Length is checked later with a message that never shows the value.
    password: z.string(),
    user_id: z.string().optional(),
    name: z.string().optional(),
    given_name: z.string().optional(),
    family_name: z.string().optional(),
    nickname: z.string().optional(),
    picture: z.string().optional(),
    email_verified: z.boolean().optional(),
    roles: z.array(nonEmpty).optional(),
    permissions: z.array(permissionSchema).optional(),
    app_metadata: metadata.optional(),
    user_metadata: metadata.optional(),
  },
  IGNORED_USER_FIELDS,
);

const hours = z.number().positive().max(MAX_SESSION_LIFETIME_HOURS);
const minutes = z
  .number()
  .positive()
  .max(MAX_SESSION_LIFETIME_HOURS * 60);

export const tenantSchema = strictWith(
  {
    friendly_name: z.string().optional(),
    default_audience: z.string().optional(),
    allowed_logout_urls: urlList.optional(),
    session_lifetime: hours.optional(),
    idle_session_lifetime: hours.optional(),
    // Auth0's finer-grained alternatives; converted to hours.
    session_lifetime_in_minutes: minutes.optional(),
    idle_session_lifetime_in_minutes: minutes.optional(),
    default_directory: z.string().optional(),
  },
  IGNORED_TENANT_FIELDS,
);

/** The whole file. Top-level Deploy CLI sections authmesh does not implement are accepted with a warning. */
export const tenantFileSchema = strictWith(
  {
    tenant: tenantSchema.optional(),
    resourceServers: z.array(resourceServerSchema).optional(),
    clients: z.array(clientSchema).optional(),
    clientGrants: z.array(clientGrantSchema).optional(),
    roles: z.array(roleSchema).optional(),
    users: z.array(userSchema).optional(),
    // Checked entry by entry in connections.ts: Auth0's options differ per strategy and are kept as declared.
    databases: z.array(z.unknown()).optional(),
    connections: z.array(z.unknown()).optional(),
    // Checked in actions.ts, which also reads each action's code file.
    actions: z.unknown().optional(),
    actionModules: z.unknown().optional(),
    triggers: z.unknown().optional(),
  },
  IGNORED_SECTIONS,
);

export type RawTenantFile = z.infer<typeof tenantFileSchema>;
export type RawTenant = z.infer<typeof tenantSchema>;
export type RawResourceServer = z.infer<typeof resourceServerSchema>;
export type RawClient = z.infer<typeof clientSchema>;
export type RawClientGrant = z.infer<typeof clientGrantSchema>;
export type RawRole = z.infer<typeof roleSchema>;
export type RawUser = z.infer<typeof userSchema>;
export type RawPermission = z.infer<typeof permissionSchema>;
