import { useAuth0 } from '@auth0/auth0-react';
import { useState } from 'react';
import { LOGIN_API } from '../config.ts';
import { markLoginStarted } from '../metrics.ts';
import { describeError, useSession } from '../session.tsx';
import { MODE_LABELS } from '../silent-auth-mode.ts';

const DEMO_USERS = [
  { email: 'customer@acme.test', password: 'customer-demo-password', role: 'Customer: catalog and orders' },
  { email: 'staff@acme.test', password: 'staff-demo-password', role: 'Staff: catalog, orders and inventory' },
];

/** Logged out: the one login, and a way to ask the tenant silently whether a session still exists. */
export function Welcome() {
  const { loginWithRedirect, getAccessTokenSilently } = useAuth0();
  const { config, mode, silentFailure, clearSilentFailure } = useSession();
  const [check, setCheck] = useState<{ error: string; description: string } | 'checking'>();

  async function login() {
    clearSilentFailure();
    markLoginStarted();
    // The audience again, explicitly: with per-audience scopes auth0-spa-js picks the login's scope by the
    // audience passed HERE, and would otherwise ask for the default audience's (just `openid`).
    await loginWithRedirect({ authorizationParams: { audience: config.apis[LOGIN_API].audience } });
  }

  async function checkSession() {
    setCheck('checking');
    try {
      await getAccessTokenSilently({ cacheMode: 'off' });
      setCheck({ error: 'none', description: 'The tenant still has a session: reload to continue.' });
    } catch (error) {
      setCheck(describeError(error));
    }
  }

  return (
    <section className="welcome card" data-testid="welcome">
      <h2>One login, three APIs</h2>
      <p>
        Sign in once at the tenant (<code>{config.domain}</code>, Authorization Code + PKCE). The app then gets a
        separate access token for each API: the Catalog, Orders and Inventory APIs each accept only tokens issued for
        their own audience.
      </p>
      {silentFailure && (
        <div
          className="error-box"
          role="alert"
          data-testid="silent-auth-failure"
          data-api={silentFailure.api}
          data-error={silentFailure.error}
        >
          <strong>
            Silent authentication for {config.apis[silentFailure.api].label} failed: <code>{silentFailure.error}</code>
          </strong>
          <p>{silentFailure.description}</p>
          {mode === 'iframe' && (
            <p className="hint">
              The hidden iframe reached the tenant without its session cookie, and auth0-spa-js ended the local session.
              When the tenant is on another site than this app, that iframe is a third-party context, and browsers that
              block third-party cookies never send the cookie. Refresh tokens (MRRT) need no cookie: switch above.
            </p>
          )}
        </div>
      )}
      <button type="button" className="primary large" data-testid="login" onClick={login}>
        Log in
      </button>
      <div className="demo-users">
        <h3>Demo users</h3>
        <ul>
          {DEMO_USERS.map((u) => (
            <li key={u.email}>
              <code>{u.email}</code> / <code>{u.password}</code>
              <span className="muted"> · {u.role}</span>
            </li>
          ))}
        </ul>
      </div>
      <div className="session-check">
        <button type="button" className="ghost" data-testid="check-session" onClick={checkSession}>
          Check tenant session silently
        </button>
        <span className="muted small"> {MODE_LABELS[mode]}, no user interaction.</span>
        {check === 'checking' && <p className="muted">Checking…</p>}
        {check && check !== 'checking' && (
          <p data-testid="session-check" data-error={check.error} className={check.error === 'none' ? 'good' : 'bad'}>
            <code>{check.error}</code> {check.description}
          </p>
        )}
      </div>
    </section>
  );
}
