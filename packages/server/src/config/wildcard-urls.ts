/**
 * Auth0's wildcard subdomains in callback, logout and origin URLs, as documented in "Subdomain URL
 * Placeholders" (https://auth0.com/docs/get-started/applications/wildcards-for-subdomains):
 * - the URL's protocol is `http:` or `https:`;
 * - the `*` is in a subdomain, not the registrable domain (`https://*.com` does not work);
 * - it is in the subdomain furthest from the root (`https://sub.*.example.com` does not work);
 * - there is one `*` at most (`https://*.*.example.com` does not work);
 * - it may have a prefix and/or suffix (`https://prefix-*-suffix.example.com` works);
 * - it stands for one subdomain level only (`https://*.example.com` does not match
 *   `https://sub1.sub2.example.com`).
 */

/** Why a wildcard URL breaks one of Auth0's rules, or undefined when it follows them all. */
export function wildcardUrlProblem(raw: string): string | undefined {
  if ((raw.match(/\*/g) ?? []).length > 1) return 'a URL may hold one wildcard only';
  const url = URL.parse(raw);
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    return 'wildcards work in http and https URLs only';
  }
  const labels = url.hostname.split('.');
  const starAt = labels.findIndex((label) => label.includes('*'));
  if (starAt === -1) return 'a wildcard stands for a subdomain, not for part of the scheme, port, path or query';
  if (starAt !== 0) return 'the wildcard must be in the subdomain furthest from the root domain';
  if (labels.length < 3) return 'the wildcard must be in a subdomain, not in the domain itself';
  return undefined;
}

/**
 * True when `actual` is what `registered` allows: the same string, or, for a wildcard URL, the same URL
 * with one hostname label in place of the `*` (its prefix and suffix kept). Scheme, port, path and query
 * must be equal, as for an exact match.
 */
export function matchesRegisteredUrl(registered: string, actual: string): boolean {
  if (registered === actual) return true;
  if (!registered.includes('*')) return false;
  const pattern = URL.parse(registered);
  const candidate = URL.parse(actual);
  if (pattern === null || candidate === null) return false;
  const [first = '', ...rest] = pattern.hostname.split('.');
  const [label = '', ...candidateRest] = candidate.hostname.split('.');
  const star = first.indexOf('*');
  if (star === -1 || rest.join('.') !== candidateRest.join('.')) return false;
  const prefix = first.slice(0, star);
  const suffix = first.slice(star + 1);
  const filled = label.slice(prefix.length, label.length - suffix.length);
  if (!label.startsWith(prefix) || !label.endsWith(suffix) || !/^[a-z0-9-]+$/.test(filled)) return false;
  // Compare the rest of the URL as written, with the wildcard label filled in.
  return registered.replace(first, label) === actual;
}
