import { isDeepStrictEqual } from 'node:util';
import { invalidBody, ManagementError } from './errors.ts';
import { paginate } from './pagination.ts';
import type { ManagementMethod, ManagementRoute } from './types.ts';

/*
 * The Management API resources authmesh does not emulate, answered as an empty Auth0 tenant answers them,
 * so that the Deploy CLI (`a0deploy export` / `import`) and Terraform run with their default
 * configuration, without exclusions:
 * - lists (rules, hooks, action modules, organizations, log streams, …) are empty, in the paging shape Auth0
 *   uses for each (offset with `include_totals`, checkpoint with `from`/`take`, or a bare array);
 * - settings objects (attack protection, prompts, guardian, …) answer Auth0's documented defaults for a
 *   new tenant; resources a new tenant does not have (email provider, email templates, default theme)
 *   answer Auth0's 404.
 * Writes that would change anything answer 501 `not_emulated`, naming the resource type and the Deploy
 * CLI section, so the caller knows exactly what to exclude. A write that sets a settings object to what it
 * already is (what `a0deploy import` does with a file it exported here) succeeds and changes nothing:
 * an export → import round trip then needs no exclusions either.
 * Each route keeps Auth0's scopes, so a token without `read:rules` is refused as on Auth0.
 */

/** How Auth0 pages one list endpoint. */
type Paging =
  /** `page`/`per_page`/`include_totals` (a bare array without `include_totals`), and checkpoints. */
  | 'offset'
  /** Always `{<collection>, total, page, per_page}` (the Actions API). */
  | 'counted'
  /** Always `{<collection>}` (checkpoint lists without a next page, and unpaged wrappers). */
  | 'wrapped'
  /** Always a bare array. */
  | 'array';

interface EmptyList {
  /** The Deploy CLI section (and resource name in messages): `rules`, `logStreams`, … */
  type: string;
  path: string;
  /** The property holding the items in wrapped answers. */
  collection: string;
  paging: Paging;
  /** Auth0's scope stem: `rules` → `read:rules`, `create:rules`, `update:rules`, `delete:rules`. */
  scope: string;
}

interface DefaultSettings {
  type: string;
  path: string;
  /** Auth0's defaults for a new tenant; a function of the path parameters when they differ per item. */
  value: Record<string, unknown> | unknown[] | ((params: Readonly<Record<string, string>>) => unknown);
  read: string;
  update: string;
  /** How Auth0 writes this object. */
  write: 'PATCH' | 'PUT';
}

interface Absent {
  type: string;
  path: string;
  read: string;
  update: string;
  message: string;
  errorCode: string;
}

const list = (type: string, path: string, collection: string, paging: Paging, scope: string): EmptyList => ({
  type,
  path,
  collection,
  paging,
  scope,
});

/** The list resources: GET answers empty; POST and every write on an item answer 501. */
const EMPTY_LISTS: readonly EmptyList[] = [
  list('rules', '/rules', 'rules', 'offset', 'rules'),
  list('rulesConfigs', '/rules-configs', 'rules_configs', 'array', 'rules_configs'),
  list('hooks', '/hooks', 'hooks', 'offset', 'hooks'),
  list('actionModules', '/actions/modules', 'modules', 'counted', 'actions'),
  list('organizations', '/organizations', 'organizations', 'offset', 'organizations'),
  list('logStreams', '/log-streams', 'log_streams', 'array', 'log_streams'),
  list('customDomains', '/custom-domains', 'custom_domains', 'array', 'custom_domains'),
  list('phoneProviders', '/branding/phone/providers', 'providers', 'wrapped', 'phone_providers'),
  list('phoneTemplates', '/branding/phone/templates', 'templates', 'wrapped', 'phone_templates'),
  list('prompts (screen renderings)', '/prompts/rendering', 'configs', 'offset', 'prompts'),
  list('forms', '/forms', 'forms', 'offset', 'forms'),
  list('flows', '/flows', 'flows', 'offset', 'flows'),
  list('flowVaultConnections', '/flows/vault/connections', 'connections', 'offset', 'flows_vault_connections'),
  list('selfServiceProfiles', '/self-service-profiles', 'self_service_profiles', 'offset', 'self_service_profiles'),
  list('networkACLs', '/network-acls', 'network_acls', 'offset', 'network_acls'),
  list(
    'userAttributeProfiles',
    '/user-attribute-profiles',
    'user_attribute_profiles',
    'offset',
    'user_attribute_profiles',
  ),
  list('connectionProfiles', '/connection-profiles', 'connection_profiles', 'offset', 'connection_profiles'),
  list(
    'tokenExchangeProfiles',
    '/token-exchange-profiles',
    'token_exchange_profiles',
    'offset',
    'token_exchange_profiles',
  ),
  list('rateLimitPolicies', '/rate-limit-policies', 'rate_limit_policies', 'offset', 'rate_limit_policies'),
  list('eventStreams', '/event-streams', 'eventStreams', 'offset', 'event_streams'),
  list(
    'connections (directory provisioning)',
    '/connections-directory-provisionings',
    'directory_provisionings',
    'offset',
    'directory_provisionings',
  ),
];

/** Auth0's MFA factors; none is enabled in a new tenant. */
const GUARDIAN_FACTORS = [
  'sms',
  'push-notification',
  'otp',
  'email',
  'duo',
  'webauthn-roaming',
  'webauthn-platform',
  'recovery-code',
] as const;

const settings = (
  type: string,
  path: string,
  value: DefaultSettings['value'],
  stem: string,
  write: 'PATCH' | 'PUT' = 'PATCH',
): DefaultSettings => ({ type, path, value, read: `read:${stem}`, update: `update:${stem}`, write });

/** The settings objects, with Auth0's defaults for a new tenant. */
const DEFAULT_SETTINGS: readonly DefaultSettings[] = [
  settings(
    'guardianFactors',
    '/guardian/factors',
    GUARDIAN_FACTORS.map((name) => ({ name, enabled: false, trial_expired: false })),
    'guardian_factors',
  ),
  settings('guardianFactors', '/guardian/factors/:name', { enabled: false }, 'guardian_factors', 'PUT'),
  settings('guardianFactorProviders', '/guardian/factors/:name/providers/:provider', {}, 'guardian_factors', 'PUT'),
  settings(
    'guardianFactorTemplates',
    '/guardian/factors/:name/templates',
    {
      enrollment_message:
        '{{code}} is your verification code for {{tenant.friendly_name}}. Please enter this code to verify your enrollment.',
      verification_message: '{{code}} is your verification code for {{tenant.friendly_name}}',
    },
    'guardian_factors',
    'PUT',
  ),
  settings('guardianPolicies', '/guardian/policies', [], 'mfa_policies', 'PUT'),
  settings(
    'guardianPhoneFactorSelectedProvider',
    '/guardian/factors/phone/selected-provider',
    { provider: 'auth0' },
    'guardian_factors',
    'PUT',
  ),
  settings(
    'guardianPhoneFactorMessageTypes',
    '/guardian/factors/phone/message-types',
    { message_types: ['sms'] },
    'guardian_factors',
    'PUT',
  ),
  settings('branding', '/branding', {}, 'branding'),
  settings(
    'prompts',
    '/prompts',
    { universal_login_experience: 'new', identifier_first: false, webauthn_platform_first_factor: false },
    'prompts',
  ),
  settings('prompts (partials)', '/prompts/:prompt/partials', {}, 'prompts', 'PUT'),
  settings('prompts (custom text)', '/prompts/:prompt/custom-text/:language', {}, 'prompts', 'PUT'),
  settings(
    'attackProtection',
    '/attack-protection/breached-password-detection',
    {
      enabled: false,
      shields: [],
      admin_notification_frequency: [],
      method: 'standard',
      stage: { 'pre-user-registration': { shields: [] }, 'pre-change-password': { shields: [] } },
    },
    'attack_protection',
  ),
  settings(
    'attackProtection',
    '/attack-protection/brute-force-protection',
    {
      enabled: true,
      shields: ['block', 'user_notification'],
      mode: 'count_per_identifier_and_ip',
      allowlist: [],
      max_attempts: 10,
    },
    'attack_protection',
  ),
  settings(
    'attackProtection',
    '/attack-protection/suspicious-ip-throttling',
    {
      enabled: true,
      shields: ['admin_notification', 'block'],
      allowlist: [],
      stage: {
        'pre-login': { max_attempts: 100, rate: 864_000 },
        'pre-user-registration': { max_attempts: 50, rate: 1_200 },
      },
    },
    'attack_protection',
  ),
  settings(
    'attackProtection',
    '/attack-protection/bot-detection',
    {
      bot_detection_level: 'medium',
      challenge_password_policy: 'never',
      challenge_passwordless_policy: 'never',
      challenge_password_reset_policy: 'never',
      allowlist: [],
      monitoring_mode_enabled: false,
    },
    'attack_protection',
  ),
  settings(
    'attackProtection',
    '/attack-protection/captcha',
    { active_provider_id: 'auth_challenge', auth_challenge: { fail_open: false } },
    'attack_protection',
  ),
  settings('riskAssessment', '/risk-assessments/settings', { enabled: false }, 'attack_protection'),
  settings('riskAssessment', '/risk-assessments/settings/new-device', { remember_for: 30 }, 'attack_protection'),
  settings('supplementalSignals', '/supplemental-signals', { akamai_enabled: false }, 'attack_protection'),
];

/** What a new tenant does not have: Auth0 answers 404 until one is created. */
const ABSENT: readonly Absent[] = [
  {
    type: 'emailProvider',
    path: '/emails/provider',
    read: 'read:email_provider',
    update: 'update:email_provider',
    message: 'No email provider configured',
    errorCode: 'inexistent_email_provider',
  },
  {
    type: 'emailTemplates',
    path: '/email-templates/:template',
    read: 'read:email_templates',
    update: 'update:email_templates',
    message: 'The template does not exist.',
    errorCode: 'inexistent_email_template',
  },
  {
    type: 'themes',
    path: '/branding/themes/default',
    read: 'read:branding',
    update: 'update:branding',
    message: 'There was an error retrieving the default theme',
    errorCode: 'theme_not_found',
  },
];

/** Every Auth0 scope the routes of this module accept: the tenant's Management API must offer them. */
export function notEmulatedScopes(): string[] {
  const scopes = new Set<string>();
  for (const entry of EMPTY_LISTS) for (const verb of VERBS) scopes.add(`${verb}:${entry.scope}`);
  for (const entry of [...DEFAULT_SETTINGS, ...ABSENT]) {
    scopes.add(entry.read);
    scopes.add(entry.update);
  }
  return [...scopes];
}

const VERBS = ['read', 'create', 'update', 'delete'] as const;

/** The routes of every resource type authmesh does not emulate. */
export function emptyResourceRoutes(): ManagementRoute[] {
  return [
    ...EMPTY_LISTS.flatMap(emptyListRoutes),
    ...DEFAULT_SETTINGS.flatMap(settingsRoutes),
    ...ABSENT.flatMap(absentRoutes),
  ];
}

function emptyListRoutes(entry: EmptyList): ManagementRoute[] {
  const refuse = (method: ManagementMethod, path: string, verb: string): ManagementRoute => ({
    method,
    path,
    scopes: [`${verb}:${entry.scope}`],
    async handler() {
      throw notEmulated(entry.type);
    },
  });
  const item = `${entry.path}/:id`;
  return [
    {
      method: 'GET',
      path: entry.path,
      scopes: [`read:${entry.scope}`],
      async handler({ query }) {
        return { status: 200, body: emptyPage(entry, query) };
      },
    },
    {
      method: 'GET',
      path: item,
      scopes: [`read:${entry.scope}`],
      async handler() {
        throw new ManagementError(404, `The ${entry.type} entry does not exist.`, 'not_found');
      },
    },
    refuse('POST', entry.path, 'create'),
    refuse('PATCH', item, 'update'),
    refuse('PUT', item, 'update'),
    refuse('DELETE', item, 'delete'),
  ];
}

function emptyPage(entry: EmptyList, query: URLSearchParams): unknown {
  switch (entry.paging) {
    case 'array':
      return [];
    case 'wrapped':
      return { [entry.collection]: [] };
    case 'counted':
      return { [entry.collection]: [], total: 0, page: 0, per_page: Number(query.get('per_page') ?? 50) };
    case 'offset':
      return paginate([], query, entry.collection);
  }
}

function settingsRoutes(entry: DefaultSettings): ManagementRoute[] {
  const current = (params: Readonly<Record<string, string>>) =>
    typeof entry.value === 'function' ? entry.value(params) : entry.value;
  return [
    {
      method: 'GET',
      path: entry.path,
      scopes: [entry.read],
      async handler({ params }) {
        return { status: 200, body: current(params) };
      },
    },
    {
      method: entry.write,
      path: entry.path,
      scopes: [entry.update],
      body: true,
      async handler({ params, body }) {
        const value = current(params);
        if (!changesNothing(value, body)) throw notEmulated(entry.type);
        return { status: 200, body: value };
      },
    },
  ];
}

function absentRoutes(entry: Absent): ManagementRoute[] {
  const missing = () => new ManagementError(404, entry.message, entry.errorCode);
  return [
    {
      method: 'GET',
      path: entry.path,
      scopes: [entry.read],
      async handler() {
        throw missing();
      },
    },
    ...(['POST', 'PATCH', 'PUT'] as const).map(
      (method): ManagementRoute => ({
        method,
        path: entry.path,
        scopes: [entry.update],
        async handler() {
          throw notEmulated(entry.type);
        },
      }),
    ),
  ];
}

/**
 * True when writing `body` over `value` leaves it as it is: the same array, or an object whose every
 * given property already has that value (a PATCH names only what it sets).
 */
function changesNothing(value: unknown, body: unknown): boolean {
  if (body === undefined) throw invalidBody('Payload must be an object');
  if (Array.isArray(value) || Array.isArray(body)) return isDeepStrictEqual(value, body);
  if (typeof body !== 'object' || body === null || typeof value !== 'object' || value === null) return false;
  const stored = value as Record<string, unknown>;
  return Object.entries(body).every(([key, given]) => isDeepStrictEqual(stored[key], given));
}

/**
 * 501 for a write to a resource authmesh does not emulate. Auth0 itself answers 501 for features a tenant
 * cannot use; the message names the Deploy CLI section so `AUTH0_EXCLUDED` (or editing the file) fixes it.
 */
export function notEmulated(type: string): ManagementError {
  return new ManagementError(
    501,
    `authmesh does not emulate ${type}: it serves them as an empty Auth0 tenant does and cannot change them. ` +
      `Remove the ${type} entries from the file, or add "${type.split(' ')[0]}" to AUTH0_EXCLUDED.`,
    'not_emulated',
  );
}
