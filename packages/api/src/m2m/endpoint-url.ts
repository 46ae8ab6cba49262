import { OptionsError } from '../errors.ts';

/**
 * Parses `issuerBaseURL` or `tokenEndpoint`. Plain http is refused except on loopback: the client secret (or a
 * reusable-for-60-s assertion) and the tokens travel in these requests.
 */
export function parseEndpointURL(option: string, value: unknown, caller: string): URL {
  const example =
    option === 'issuerBaseURL' ? 'https://example.eu.auth0.com/' : 'https://example.eu.auth0.com/oauth/token';
  if (typeof value !== 'string' || value === '') {
    throw new OptionsError(`${caller}: ${option} must be an absolute URL string, e.g. "${example}"`);
  }
  const url = URL.parse(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new OptionsError(
      `${caller}: ${option} "${value}" is not an absolute http(s) URL; write it in full, e.g. "${example}"`,
    );
  }
  if (url.username || url.password) {
    throw new OptionsError(
      `${caller}: ${option} must not contain credentials (user:password@); pass clientId and clientSecret instead`,
    );
  }
  if (url.search || url.hash) {
    throw new OptionsError(`${caller}: ${option} "${value}" must not have a query or fragment; remove them`);
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new OptionsError(
      `${caller}: ${option} "${value}" uses http:, which is allowed only for loopback hosts (localhost, ` +
        '127.0.0.0/8, [::1]) because client credentials and tokens would cross the network unencrypted; use https://',
    );
  }
  return url;
}

/** `hostname` as `URL` reports it: IPv4 already canonical (`127.1` → `127.0.0.1`), IPv6 in brackets. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}
