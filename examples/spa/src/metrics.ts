import type { ApiName } from './config.ts';
import type { SilentAuthMode } from './silent-auth-mode.ts';

/** What the browser tests read: how long one login takes, from the click to a token for every API. */
export interface AuthmeshMetrics {
  /** Login click → access tokens for the three audiences settled, in milliseconds (spans the redirects). */
  loginRoundTripMs: number;
  mode: SilentAuthMode;
  /** Per API: `ok`, or the error that prevented a token (`login_required`, `missing_scopes`, `timeout`...). */
  tokens: Record<ApiName, string>;
}

declare global {
  interface Window {
    __authmeshMetrics?: AuthmeshMetrics;
  }
}

const LOGIN_STARTED_AT = 'authmesh.loginStartedAt';

/** An absolute high-resolution timestamp: `performance.now()` alone restarts on every page load. */
const now = () => performance.timeOrigin + performance.now();

/** Called right before `loginWithRedirect`; sessionStorage survives the round trip through the tenant. */
export function markLoginStarted(): void {
  sessionStorage.setItem(LOGIN_STARTED_AT, String(now()));
}

/** Called once the tokens for all APIs are settled; records the figure only after a login click. */
export function markTokensSettled(mode: SilentAuthMode, tokens: Record<ApiName, string>): void {
  const started = Number(sessionStorage.getItem(LOGIN_STARTED_AT));
  if (!started) return;
  sessionStorage.removeItem(LOGIN_STARTED_AT);
  window.__authmeshMetrics = { loginRoundTripMs: Math.round(now() - started), mode, tokens };
}
