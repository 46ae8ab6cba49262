/**
 * How the SPA gets tokens for the APIs after the one login.
 *
 * - `iframe`: no refresh tokens; every new token comes from a hidden iframe calling /authorize with
 *   `prompt=none`, which works only while the browser sends the tenant's session cookie to that iframe
 *   (a third-party context when the SPA and the tenant are on different sites).
 * - `refresh`: a rotating refresh token kept in localStorage, used for all three APIs (Multi-Resource
 *   Refresh Tokens); no iframe, no third-party cookie needed.
 *
 * `Auth0Provider` reads its options once, at mount, so switching stores the choice and reloads the page.
 */
export type SilentAuthMode = 'iframe' | 'refresh';

const STORAGE_KEY = 'authmesh.silentAuthMode';
/** Everything auth0-spa-js keeps in localStorage starts with this (its cache of tokens and refresh tokens). */
const SDK_CACHE_PREFIX = '@@auth0spajs@@';

export function readMode(): SilentAuthMode {
  return localStorage.getItem(STORAGE_KEY) === 'refresh' ? 'refresh' : 'iframe';
}

export function switchMode(mode: SilentAuthMode): void {
  localStorage.setItem(STORAGE_KEY, mode);
  // Tokens cached by the other mode must not leak into this one (a stale refresh token would be used).
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith(SDK_CACHE_PREFIX)) localStorage.removeItem(key);
  }
  window.location.reload();
}

export const MODE_LABELS: Record<SilentAuthMode, string> = {
  iframe: 'Iframe silent auth',
  refresh: 'Refresh tokens (MRRT)',
};
