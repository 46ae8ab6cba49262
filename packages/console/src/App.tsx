import { useCallback, useEffect, useState } from 'react';
import { Console } from './Console.tsx';
import { callTenant, messageOf } from './http.ts';
import { openSession, type SessionState, storedToken, storeToken } from './session.ts';
import { TokenGate } from './TokenGate.tsx';

/** Opens the session (or asks for a management token), then shows the console. */
export function App() {
  const [state, setState] = useState<SessionState | { kind: 'loading' } | { kind: 'error'; message: string }>({
    kind: 'loading',
  });
  const open = useCallback(async (token: string | undefined) => {
    try {
      const next = await openSession(token);
      if (next.kind === 'ready' && next.session.mode === 'management-token') {
        // The session endpoint may answer without a token; the data endpoints check it: try one.
        await callTenant('/console/api/system', token);
        storeToken(token);
      } else if (next.kind === 'needs-token') {
        storeToken(undefined);
      }
      setState(next);
    } catch (error) {
      const message = messageOf(error);
      if (token) {
        storeToken(undefined);
        setState({ kind: 'needs-token', reason: message });
      } else setState({ kind: 'error', message });
    }
  }, []);
  useEffect(() => {
    void open(storedToken());
  }, [open]);

  if (state.kind === 'loading') return <p className="loading">Opening the console…</p>;
  if (state.kind === 'error')
    return (
      <main id="main" className="gate">
        <h1>authmesh console</h1>
        <p className="error" role="alert">
          {state.message}
        </p>
      </main>
    );
  if (state.kind === 'needs-token')
    return <TokenGate reason={state.reason} tenantName={state.tenantName} onToken={(token) => void open(token)} />;
  return (
    <Console
      ready={state}
      signOut={(reason) => {
        storeToken(undefined);
        setState({ kind: 'needs-token', ...(reason === undefined ? {} : { reason }) });
      }}
    />
  );
}
