import { createCatalog } from '../config/catalog.ts';
import { IssueCollector } from '../config/issues.ts';
import { type RawTenant, tenantSchema } from '../config/schema.ts';
import { normalizeTenant } from '../config/tenant.ts';
import type { TenantSettings } from '../config/types.ts';
import type { TenantContext } from '../tenant/context.ts';
import type { ResourceServerRecord } from '../tenant/records.ts';
import { SEEDED_DIGEST } from '../tenant/seed.ts';
import { invalidBody } from './errors.ts';
import type { ManagementDeps, ManagementRoute } from './types.ts';
import { validateBody } from './validation.ts';

/*
 * `/api/v2/tenants/settings`. The settings authmesh honours (friendly_name, default_audience,
 * default_directory, allowed_logout_urls, session lifetimes) come from the tenant's live settings and a
 * PATCH changes them at once, checked by the same rules as tenant.yaml's `tenant:` block. Auth0's other
 * settings (support_email, flags, enabled_locales, …) change nothing locally: a PATCH stores them and GET
 * returns them, so the Deploy CLI reads back what it wrote. A PATCH outlives a restart while tenant.yaml
 * is unchanged, as other changes made through /api/v2 do (the file wins once it changes: ../tenant/seed.ts).
 */

/** Where PATCHed settings are kept, with the seeding digest they apply to. */
const STATE_KEY = 'management:tenant-settings';

interface StoredSettings {
  /** The tenant.yaml digest at the time of the PATCH: a changed file makes these stale. */
  digest: string | undefined;
  settings: TenantSettings;
  /** Auth0 settings authmesh does not implement, as the caller last set them. */
  extras: Record<string, unknown>;
}

/** What a new Auth0 tenant answers for the settings authmesh does not implement. */
const AUTH0_DEFAULTS: Readonly<Record<string, unknown>> = {
  enabled_locales: ['en'],
  flags: {},
  picture_url: '',
  support_email: '',
  support_url: '',
  session_cookie: { mode: 'persistent' },
  sandbox_version: '22',
};

/** Fields of a GET answer that a PATCH may not send back (Auth0 computes them). */
const READ_ONLY = ['sandbox_versions_available'];

/** The tenant-settings routes. */
export function tenantSettingsRoutes({ tenant, writer }: ManagementDeps): ManagementRoute[] {
  return [
    {
      method: 'GET',
      path: '/tenants/settings',
      scopes: ['read:tenant_settings'],
      async handler() {
        return { status: 200, body: settingsView(tenant.settings, (await currentStored(tenant))?.extras ?? {}) };
      },
    },
    {
      method: 'PATCH',
      path: '/tenants/settings',
      scopes: ['update:tenant_settings'],
      body: true,
      async handler({ body }) {
        const input = validateBody(tenantSchema, body) as RawTenant & Record<string, unknown>;
        return writer.exclusive(async () => {
          const stored = await currentStored(tenant);
          const settings = applyPatch(tenant.settings, input, tenant.registry.resourceServers());
          const extras = { ...stored?.extras, ...ignoredFields(input) };
          const next: StoredSettings = {
            digest: await tenant.storage.getState<string>(SEEDED_DIGEST),
            settings,
            extras,
          };
          await tenant.storage.setState(STATE_KEY, next);
          replaceSettings(tenant, settings);
          // The other processes sharing the storage restore the stored settings when told.
          await tenant.registry.publish();
          return { status: 200, body: settingsView(settings, extras) };
        });
      },
    },
  ];
}

/**
 * Makes the tenant run with the settings last PATCHed through /api/v2, unless tenant.yaml changed since
 * (then the file's settings stand). Called at start, after seeding, and when another process changed them.
 */
export async function restoreTenantSettings(tenant: TenantContext): Promise<void> {
  const stored = await currentStored(tenant);
  if (stored !== undefined) replaceSettings(tenant, stored.settings);
}

async function currentStored(tenant: TenantContext): Promise<StoredSettings | undefined> {
  const stored = await tenant.storage.getState<StoredSettings>(STATE_KEY);
  if (stored === undefined) return undefined;
  return stored.digest === (await tenant.storage.getState<string>(SEEDED_DIGEST)) ? stored : undefined;
}

/** The settings with the PATCH's fields replaced, checked as tenant.yaml's `tenant:` block is. */
function applyPatch(current: TenantSettings, input: RawTenant, apis: readonly ResourceServerRecord[]): TenantSettings {
  const raw: RawTenant = {
    ...(current.friendly_name === undefined ? {} : { friendly_name: current.friendly_name }),
    ...(current.default_audience === undefined ? {} : { default_audience: current.default_audience }),
    ...(current.default_directory === undefined ? {} : { default_directory: current.default_directory }),
    allowed_logout_urls: current.allowed_logout_urls,
    session_lifetime: current.session_lifetime,
    idle_session_lifetime: current.idle_session_lifetime,
  };
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    // Hours and minutes are two spellings of one setting: the PATCH's spelling replaces the stored one.
    if (key.endsWith('_in_minutes')) delete (raw as Record<string, unknown>)[key.slice(0, -'_in_minutes'.length)];
    (raw as Record<string, unknown>)[key] = value;
  }
  // default_audience must name an API of this tenant, as in tenant.yaml.
  const catalog = createCatalog();
  apis.forEach((api, i) => {
    catalog.apis.set(api.identifier, { key: api.identifier, path: ['resourceServers', i], item: api });
  });
  const issues = new IssueCollector('<request>', undefined, { strict: true });
  const settings = normalizeTenant(raw, catalog, issues);
  const [first] = issues.hasErrors ? issues.toError().issues : [];
  // The rules name `tenant.<field>` (tenant.yaml's path); the API's property is the field itself.
  if (first !== undefined) throw invalidBody(first.message, first.path.replace(/^tenant\.?/, '') || undefined);
  return settings;
}

function ignoredFields(input: Record<string, unknown>): Record<string, unknown> {
  const known = new Set<string>([
    'friendly_name',
    'default_audience',
    'default_directory',
    'allowed_logout_urls',
    'session_lifetime',
    'idle_session_lifetime',
    'session_lifetime_in_minutes',
    'idle_session_lifetime_in_minutes',
    ...READ_ONLY,
  ]);
  return Object.fromEntries(Object.entries(input).filter(([key, value]) => !known.has(key) && value !== undefined));
}

/** Settings are one object shared by the engine, the logout route and the login pages: change it in place. */
function replaceSettings(tenant: TenantContext, settings: TenantSettings): void {
  const live = tenant.settings as unknown as Record<string, unknown>;
  for (const key of Object.keys(live)) delete live[key];
  Object.assign(live, settings);
}

/** The settings as Auth0 returns them: unset strings are empty, lifetimes in hours. */
function settingsView(settings: TenantSettings, extras: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    ...AUTH0_DEFAULTS,
    ...extras,
    friendly_name: settings.friendly_name ?? '',
    default_audience: settings.default_audience ?? '',
    default_directory: settings.default_directory ?? '',
    allowed_logout_urls: settings.allowed_logout_urls,
    session_lifetime: settings.session_lifetime,
    idle_session_lifetime: settings.idle_session_lifetime,
  };
}
