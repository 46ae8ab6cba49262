import { createCatalog } from '../config/catalog.ts';
import {
  CLIENT_METADATA_MAX_KEYS,
  clientMetadataPatchSchema,
  mergeClientMetadata,
  tooManyMetadataKeys,
} from '../config/client-metadata.ts';
import { normalizeClient } from '../config/clients.ts';
import { defaultGrantTypes } from '../config/defaults.ts';
import { IssueCollector } from '../config/issues.ts';
import { clientSchema, type RawClient } from '../config/schema.ts';
import type { AppType, Client, GrantType } from '../config/types.ts';
import type { ClientRecord, ResourceServerRecord } from '../tenant/records.ts';
import { invalidBody } from './errors.ts';
import { CLIENT_ID_FIELD, checkUnchanged, without } from './read-only-fields.ts';
import { throwFirstIssue, validateBody } from './validation.ts';

/*
 * Bodies of POST and PATCH /clients, validated by tenant.yaml's schema and rules (callback and origin URL
 * rules, a callback for the authorization_code grant, public clients without secrets or
 * client_credentials, secrets of 32+ characters, SPA refresh tokens only with rotation, MRRT policies on
 * declared APIs, RS256 ID tokens) and completed with its per-app-type defaults. Unlike a tenant file,
 * only `name` is required, as in Auth0's API:
 * - `app_type` defaults to `regular_web` (Auth0's generic, confidential app), whose grant types default
 *   to Auth0's API default without the `implicit` grant authmesh does not implement;
 * - the login grants (authorization_code, refresh_token) are defaults only when the body has callbacks:
 *   the engine refuses a client with the code grant and no redirect URI altogether (even for client
 *   credentials). Tools that create an app first and add callbacks later send `grant_types` with them.
 */

const createSchema = clientSchema.extend({ app_type: clientSchema.shape.app_type.optional() });
// A PATCH's client_metadata may remove keys (null); it is merged into the stored one (see mergeClientMetadata).
const updateSchema = createSchema.partial().extend({ client_metadata: clientMetadataPatchSchema.optional() });

/** Auth0's API default for apps other than SPAs, native and M2M apps, without `implicit`. */
const API_DEFAULT_GRANT_TYPES: GrantType[] = ['authorization_code', 'refresh_token', 'client_credentials'];

/** The parsed body of a PATCH /clients, for the handler's scope checks. */
export type ClientUpdateBody = Record<string, unknown>;

/** The client a POST body describes (no `client_id` yet), with defaults; throws 400 naming the offending field. */
export function clientToCreate(body: unknown, apis: readonly ResourceServerRecord[]): Client {
  const input = without(validateBody(createSchema, body), CLIENT_ID_FIELD);
  const appType: AppType = input.app_type ?? 'regular_web';
  const grantTypes = input.grant_types ?? grantTypesFor(appType, (input.callbacks ?? []).length > 0);
  return normalize({ ...input, app_type: appType, grant_types: grantTypes }, apis, true);
}

/** Validates a PATCH body on its own, before the handler checks which scopes its fields need. */
export function parseClientUpdate(body: unknown): ClientUpdateBody {
  return validateBody(updateSchema, body) as ClientUpdateBody;
}

/**
 * `stored` with the top-level fields of a PATCH body replaced (Auth0 replaces e.g. `callbacks` wholesale),
 * checked again as a whole. When `app_type` changes, the fields that default by app type and are not in
 * the body (auth method, grant types, refresh-token settings) take the new type's defaults, so that
 * turning a web app into an SPA does not leave it with a secret-based auth method.
 */
export function clientToUpdate(
  stored: ClientRecord,
  update: ClientUpdateBody,
  apis: readonly ResourceServerRecord[],
): Client {
  checkUnchanged(update, CLIENT_ID_FIELD, stored.client_id);
  const { client_metadata: metadataPatch, ...rest } = without(update, CLIENT_ID_FIELD);
  const defined = Object.fromEntries(
    Object.entries(rest).filter(([, value]) => value !== undefined),
  ) as Partial<RawClient>;
  if (metadataPatch !== undefined) {
    defined.client_metadata = mergeClientMetadata(
      stored.client_metadata,
      metadataPatch as Record<string, string | null>,
    );
    const count = Object.keys(defined.client_metadata).length;
    // The limit applies to what is stored after the merge, as at Auth0.
    if (count > CLIENT_METADATA_MAX_KEYS) throw invalidBody(tooManyMetadataKeys(count), 'client_metadata');
  }
  const base: RawClient = toRaw(stored);
  if (defined.app_type !== undefined && defined.app_type !== stored.app_type) {
    delete base.token_endpoint_auth_method;
    delete base.refresh_token;
    base.grant_types = grantTypesFor(defined.app_type, (defined.callbacks ?? base.callbacks ?? []).length > 0);
  }
  // URLs the body does not touch were accepted before (e.g. a plain-http LAN callback that tenant.yaml kept
  // with a warning): only new ones are held to the API's stricter rule.
  const setsUrls = defined.callbacks !== undefined || defined.allowed_logout_urls !== undefined;
  return normalize({ ...base, ...defined }, apis, setsUrls);
}

function normalize(raw: RawClient, apis: readonly ResourceServerRecord[], strict: boolean): Client {
  const catalog = createCatalog();
  apis.forEach((api, i) => {
    catalog.apis.set(api.identifier, { key: api.identifier, path: ['resourceServers', i], item: api });
  });
  // Strict: what a tenant file may keep with a warning (plain-http callbacks) is refused over the API.
  const issues = new IssueCollector('<request>', undefined, { strict });
  const client = normalizeClient(raw, [], catalog, issues);
  throwFirstIssue(issues);
  return client;
}

function grantTypesFor(appType: AppType, hasCallbacks: boolean): GrantType[] {
  const defaults = appType === 'regular_web' ? API_DEFAULT_GRANT_TYPES : defaultGrantTypes(appType);
  return hasCallbacks ? [...defaults] : defaults.filter((g) => g === 'client_credentials');
}

/** The stored client as a body, without its secret: the handler decides about secrets (see clients.ts). */
function toRaw(stored: ClientRecord): RawClient {
  return {
    name: stored.name,
    ...(stored.description === undefined ? {} : { description: stored.description }),
    ...(stored.client_metadata === undefined ? {} : { client_metadata: stored.client_metadata }),
    app_type: stored.app_type,
    is_first_party: stored.is_first_party,
    callbacks: stored.callbacks,
    allowed_logout_urls: stored.allowed_logout_urls,
    web_origins: stored.web_origins,
    allowed_origins: stored.allowed_origins,
    grant_types: stored.grant_types,
    token_endpoint_auth_method: stored.token_endpoint_auth_method,
    refresh_token: stored.refresh_token,
    jwt_configuration: { alg: 'RS256', lifetime_in_seconds: stored.id_token_lifetime },
    ...(stored.resource_server_identifier === undefined
      ? {}
      : { resource_server_identifier: stored.resource_server_identifier }),
    ...(stored.token_exchange === undefined ? {} : { token_exchange: stored.token_exchange }),
  };
}

/** True when the client authenticates with a secret: the same test as tenant seeding (public app types use `none`). */
export function isConfidential(client: Client): boolean {
  return client.token_endpoint_auth_method !== 'none';
}
