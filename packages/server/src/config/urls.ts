import type { PathSegment } from './format-path.ts';
import { type IssueCollector, quote } from './issues.ts';
import { wildcardUrlProblem } from './wildcard-urls.ts';

/**
 * `redirect`: callback and logout URLs, compared by exact string later, so kept as written.
 * `origin`: CORS / web-message origins, compared with the browser's `Origin` header, so they must be
 * bare origins and are normalized to `URL.origin` form.
 */
export type UrlKind = 'redirect' | 'origin';

export interface UrlListOptions {
  kind: UrlKind;
  /**
   * Native apps may use a private-use scheme (`com.example.app://callback`, RFC 8252 §7.1). RFC 8252
   * recommends reverse-domain names but Auth0 accepts any scheme (`myapp://`), so only the dangerous
   * schemes below are refused.
   */
  allowPrivateUseScheme?: boolean;
}

// Schemes that execute or read local content in a browser; always refused, in any letter case.
const DANGEROUS_SCHEME = /^\s*(javascript|data|file|vbscript|blob):/i;
// `scheme://user:password@host`: detected on the raw text so the value is never quoted in a message.
const USERINFO = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i;

/**
 * Validates a list of URLs, records an issue for each bad entry, and returns the good ones
 * (de-duplicated, origins normalized).
 */
export function checkUrlList(
  list: readonly string[] | undefined,
  path: readonly PathSegment[],
  options: UrlListOptions,
  issues: IssueCollector,
): string[] {
  const out: string[] = [];
  (list ?? []).forEach((raw, index) => {
    const normalized = checkUrl(raw, [...path, index], options, issues);
    if (normalized !== undefined && !out.includes(normalized)) out.push(normalized);
  });
  return out;
}

function checkUrl(
  raw: string,
  path: PathSegment[],
  options: UrlListOptions,
  issues: IssueCollector,
): string | undefined {
  const example = options.kind === 'origin' ? 'https://app.example.com' : 'https://app.example.com/callback';
  if (raw.trim() === '' || raw.trim() !== raw) {
    issues.error(
      path,
      `${quote(raw)} is empty or has surrounding spaces`,
      `write the URL without spaces, e.g. ${example}`,
    );
    return undefined;
  }
  if (USERINFO.test(raw)) {
    issues.error(path, 'URLs must not contain credentials (user@host)', 'remove the `user@` part from the URL');
    return undefined;
  }
  const dangerous = DANGEROUS_SCHEME.exec(raw);
  if (dangerous) {
    issues.error(
      path,
      `\`${dangerous[1]?.toLowerCase()}:\` URLs are not allowed`,
      `use an http(s) URL, e.g. ${example}`,
    );
    return undefined;
  }
  if (raw.includes('{') && /\{[a-z_.]+\}/i.test(raw)) {
    // `{organization_name}` and `{custom_domain.metadata.KEY}`: Auth0 features authmesh does not emulate.
    issues.warn(
      `${issues.where(path)}: ${quote(raw)} uses an Auth0 URL placeholder that is not emulated; it is skipped`,
    );
    return undefined;
  }
  if (raw.includes('*')) {
    const problem = wildcardUrlProblem(raw);
    if (problem !== undefined) {
      issues.error(
        path,
        `${quote(raw)} is not a wildcard URL Auth0 accepts: ${problem}`,
        'put one `*` in the leftmost subdomain only, e.g. https://*.example.com/callback',
      );
      return undefined;
    }
  }
  const url = URL.parse(raw);
  if (url === null) {
    issues.error(path, `${quote(raw)} is not an absolute URL`, `use a full URL, e.g. ${example}`);
    return undefined;
  }
  if (url.username !== '' || url.password !== '') {
    issues.error(path, 'URLs must not contain credentials (user@host)', 'remove the `user@` part from the URL');
    return undefined;
  }
  const web = url.protocol === 'https:' || url.protocol === 'http:';
  const privateUse = options.allowPrivateUseScheme === true && options.kind === 'redirect';
  if (!web && !privateUse) {
    const native = options.allowPrivateUseScheme
      ? ' or a reverse-domain scheme such as com.example.app://callback'
      : '';
    issues.error(path, `only http and https URLs are allowed, got ${quote(raw)}`, `use an https:// URL${native}`);
    return undefined;
  }
  if (web && url.hostname === '') {
    issues.error(path, `${quote(raw)} has no host`, `use a full URL, e.g. ${example}`);
    return undefined;
  }
  // RFC 6749 §3.1.2: redirect URIs must not have a fragment; an origin never has one.
  if (raw.includes('#')) {
    issues.error(
      path,
      `URLs must not contain a fragment (#…): ${quote(raw)}`,
      'remove the `#` and everything after it',
    );
    return undefined;
  }
  // Plain http lets anyone on the network path read the code or token in the redirect; only loopback
  // traffic stays on the machine. A warning in a tenant file (a developer's LAN test host), 400 over /api/v2.
  if (options.kind === 'redirect' && url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    issues.caution(
      path,
      `${quote(raw)} uses plain http on a host other than localhost or a loopback address`,
      `use https://${url.host}${url.pathname}, or http://localhost for local development`,
    );
  }
  if (options.kind === 'origin') {
    // Auth0 accepts a path or query here and leaves it out when comparing; so does authmesh, saying so.
    if (url.pathname !== '/' || url.search !== '') {
      issues.caution(
        path,
        `${quote(raw)} has a path or query, which origins do not have; only ${url.origin} is compared`,
        `use only scheme, host and port, e.g. ${url.origin}`,
      );
    }
    return url.origin;
  }
  return raw;
}

/** True for an absolute https URL without credentials (used for `picture`). */
export function isHttpsUrl(raw: string): boolean {
  const url = URL.parse(raw);
  return url !== null && url.protocol === 'https:' && url.username === '' && url.password === '' && url.hostname !== '';
}

/** `localhost` or a loopback address (`127.0.0.0/8`, `[::1]`): hosts whose traffic never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host);
}
