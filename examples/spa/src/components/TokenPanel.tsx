import { API_NAMES } from '../config.ts';
import { formatExpiry } from '../format.ts';
import type { TokenClaims } from '../jwt.ts';
import { useSession } from '../session.tsx';
import type { SilentAuthMode } from '../silent-auth-mode.ts';

const HOW: Record<SilentAuthMode, string> = {
  iframe: 'each from a hidden iframe (prompt=none)',
  refresh: 'all from one rotating refresh token (MRRT)',
};

function Claims({ claims }: { claims: TokenClaims }) {
  return (
    <dl className="claims">
      <dt>aud</dt>
      <dd data-testid="claim-aud">{claims.aud.join(' ')}</dd>
      <dt>scope</dt>
      <dd data-testid="claim-scope">{claims.scope.join(' ') || '—'}</dd>
      <dt>permissions</dt>
      <dd data-testid="claim-permissions">
        {claims.permissions.length > 0 ? (
          claims.permissions.map((p) => (
            <span key={p}>
              <span className="chip">{p}</span>{' '}
            </span>
          ))
        ) : (
          <span className="muted">none</span>
        )}
      </dd>
      <dt>exp</dt>
      <dd>{formatExpiry(claims.exp)}</dd>
    </dl>
  );
}

/**
 * The thread's answer, visible: one login, then one access token per API. Each token names one audience and
 * carries only that API's permissions; every call below shows the token it carried (decoded, not verified).
 */
export function TokenPanel() {
  const { config, mode, tokens, calls } = useSession();
  return (
    <aside className="token-panel" data-testid="token-panel">
      <h2>Tokens</h2>
      <p className="muted small">
        One login, then one access token per API, {HOW[mode]}. Decoded here for display only: each API verifies its
        token.
      </p>
      {API_NAMES.map((api) => {
        const state = tokens[api];
        return (
          <div
            key={api}
            className={`token-card ${state.status}`}
            data-testid={`token-card-${api}`}
            data-state={state.status}
          >
            <div className="token-card-title">
              <strong>{config.apis[api].label}</strong>
              <span className={`badge ${state.status}`}>
                {state.status === 'ok' ? 'token' : state.status === 'pending' ? '…' : 'no token'}
              </span>
            </div>
            {state.status === 'ok' && <Claims claims={state.claims} />}
            {state.status === 'error' && (
              <p className="token-error" data-testid="token-error" data-error={state.error}>
                <code>{state.error}</code> {state.description}
              </p>
            )}
          </div>
        );
      })}

      <h3>Calls</h3>
      {calls.length === 0 && <p className="muted small">No API calls yet.</p>}
      <ol className="calls">
        {calls.map((c) => (
          <li
            key={c.id}
            className="call"
            data-testid="token-row"
            data-api={c.api}
            data-audience={config.apis[c.api].audience}
            data-status={c.status ?? 'pending'}
          >
            <div className="call-line">
              <span className="method">{c.method}</span>
              <code>{c.path}</code>
              <span className="arrow">→</span>
              <span className={`status ${typeof c.status === 'number' && c.status < 400 ? 'good' : 'bad'}`}>
                {c.status ?? '…'}
              </span>
              <span className="muted small call-api">{config.apis[c.api].label}</span>
            </div>
            {c.claims && <Claims claims={c.claims} />}
          </li>
        ))}
      </ol>
    </aside>
  );
}
