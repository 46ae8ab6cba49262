import type { Catalog } from './catalog.ts';
import { TENANT_DEFAULTS } from './defaults.ts';
import type { PathSegment } from './format-path.ts';
import type { IssueCollector } from './issues.ts';
import { findApi } from './references.ts';
import type { RawTenant } from './schema.ts';
import type { TenantSettings } from './types.ts';
import { checkUrlList } from './urls.ts';

const PATH: PathSegment[] = ['tenant'];

/** Checks the `tenant:` block (tenant settings) and applies Auth0's session defaults. */
export function normalizeTenant(raw: RawTenant | undefined, catalog: Catalog, issues: IssueCollector): TenantSettings {
  const t = raw ?? {};
  const at = (key: string) => [...PATH, key];
  // Auth0 exports write unset settings as empty strings.
  const friendlyName = t.friendly_name === '' ? undefined : t.friendly_name;
  const defaultAudience = t.default_audience === '' ? undefined : t.default_audience;
  if (defaultAudience !== undefined)
    findApi(catalog, defaultAudience, at('default_audience'), 'default_audience', issues);

  const session = lifetimeHours(t.session_lifetime, t.session_lifetime_in_minutes, 'session_lifetime', issues);
  const idle = lifetimeHours(
    t.idle_session_lifetime,
    t.idle_session_lifetime_in_minutes,
    'idle_session_lifetime',
    issues,
  );
  const sessionLifetime = session ?? TENANT_DEFAULTS.session_lifetime;
  // A file that shortens only the session (e.g. 24 h) keeps the idle timeout within it rather than failing.
  const idleLifetime = idle ?? Math.min(TENANT_DEFAULTS.idle_session_lifetime, sessionLifetime);
  if (idleLifetime > sessionLifetime) {
    issues.error(
      at(idle === undefined ? 'session_lifetime' : 'idle_session_lifetime'),
      `idle_session_lifetime (${idleLifetime} h) must not exceed session_lifetime (${sessionLifetime} h)`,
      'lower idle_session_lifetime or raise session_lifetime',
    );
  }

  return {
    ...(friendlyName === undefined ? {} : { friendly_name: friendlyName }),
    ...(defaultAudience === undefined ? {} : { default_audience: defaultAudience }),
    allowed_logout_urls: checkUrlList(t.allowed_logout_urls, at('allowed_logout_urls'), { kind: 'redirect' }, issues),
    session_lifetime: sessionLifetime,
    idle_session_lifetime: idleLifetime,
    ...(t.default_directory ? { default_directory: t.default_directory } : {}),
  };
}

/** Auth0 takes hours or `*_in_minutes`; the Deploy CLI converts the hours, so they win when both are set. */
function lifetimeHours(
  hours: number | undefined,
  minutes: number | undefined,
  key: string,
  issues: IssueCollector,
): number | undefined {
  // The Deploy CLI turns the hours into minutes and sends those, so with both set the hours win.
  if (hours !== undefined && minutes !== undefined) {
    issues.warn(
      `${issues.where([...PATH, `${key}_in_minutes`])}: both ${key} and ${key}_in_minutes are set; ${key} applies, as the Deploy CLI sends it`,
    );
  }
  return hours ?? (minutes === undefined ? undefined : minutes / 60);
}
