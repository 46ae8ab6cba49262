import { API_NAMES } from '../config.ts';
import { formatExpiry } from '../format.ts';
import type { TokenClaims } from '../jwt.ts';
import { useSession } from '../session.tsx';
import type { SilentAuthMode } from '../silent-auth-mode.ts';
import type { ExchangedToken } from '../types.ts';

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

/** The `act` chain as a list of actors, current first (RFC 8693 §4.1 nests earlier actors inside). */
function actorsOf(act: unknown): string[] {
  const actors: string[] = [];
  let current = act as { sub?: unknown; act?: unknown } | undefined;
  while (current && typeof current === 'object' && typeof current.sub === 'string') {
    actors.push(current.sub);
    current = current.act as typeof current;
  }
  return actors;
}

/**
 * The token the Catalog API received when the Orders API called it on the customer's behalf (My prices): the
 * SPA never holds it, the Orders API reports its claims. `sub` is still the customer; `act` names who acted.
 */
function ExchangedTokenCard({ claims }: { claims: ExchangedToken }) {
  const actors = actorsOf(claims.act);
  return (
    <div className="token-card ok" data-testid="exchanged-token">
      <div className="token-card-title">
        <strong>Catalog, on your behalf</strong>
        <span className="badge ok">exchanged</span>
      </div>
      <dl className="claims">
        <dt>aud</dt>
        <dd data-testid="exchanged-aud">{String(claims.aud)}</dd>
        <dt>sub</dt>
        <dd data-testid="exchanged-sub">{String(claims.sub)}</dd>
        <dt>act</dt>
        <dd data-testid="exchanged-act" data-actors={actors.join(' ')}>
          {actors.length > 0 ? actors.join(' ← ') : <span className="muted">none</span>}
        </dd>
        <dt>scope</dt>
        <dd data-testid="exchanged-scope">{typeof claims.scope === 'string' ? claims.scope : '—'}</dd>
      </dl>
    </div>
  );
}

/**
 * The thread's answer, visible: one login, then one access token per API. Each token names one audience and
 * carries only that API's permissions; every call below shows the token it carried (decoded, not verified).
 */
export function TokenPanel({ exchanged }: { exchanged?: ExchangedToken | undefined }) {
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

      {exchanged && <ExchangedTokenCard claims={exchanged} />}

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
