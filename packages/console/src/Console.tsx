import { useCallback, useEffect, useRef, useState } from 'react';
import { ActivityView } from './activity/ActivityView.tsx';
import { useActivityStream } from './activity-stream.ts';
import type { Edit } from './edits.ts';
import { callTenant, messageOf } from './http.ts';
import { InspectorView } from './inspector/InspectorView.tsx';
import { useLargeText } from './large-text.ts';
import { SystemView } from './picture/SystemView.tsx';
import { openSession, type SessionState } from './session.ts';
import { Toasts, useToasts } from './toasts.tsx';
import type { ConsoleSystem } from './types.ts';

type View = 'picture' | 'activity' | 'inspector';
const VIEWS: Array<{ id: View; label: string }> = [
  { id: 'picture', label: 'System picture' },
  { id: 'activity', label: 'Live activity' },
  { id: 'inspector', label: 'Token inspector' },
];

function viewFromHash(): View {
  const id = window.location.hash.replace(/^#\/?/, '');
  return VIEWS.some((v) => v.id === id) ? (id as View) : 'picture';
}

/** Renews the loopback console's own token a minute before it expires. */
const RENEW_BEFORE_MS = 60_000;

/** The console once the session is open: header, the three views, toasts and the live stream. */
export function Console({
  ready,
  signOut,
}: {
  ready: Extract<SessionState, { kind: 'ready' }>;
  /** Back to the token form; `reason` says why (a pasted token that expired). */
  signOut: (reason?: string) => void;
}) {
  const auth = useRef(ready);
  const getToken = useCallback(async () => {
    const current = auth.current;
    if (current.session.mode === 'loopback' && current.expiresAt && current.expiresAt - Date.now() < RENEW_BEFORE_MS) {
      const renewed = await openSession(undefined);
      if (renewed.kind === 'ready') auth.current = renewed;
    }
    return auth.current.token;
  }, []);

  const [view, setView] = useState<View>(viewFromHash);
  const [largeText, setLargeText] = useLargeText();
  const [system, setSystem] = useState<ConsoleSystem | undefined>();
  const [systemError, setSystemError] = useState<string | undefined>();
  const [inspectToken, setInspectToken] = useState<string | undefined>();
  const { toasts, push, dismiss } = useToasts();
  // A pasted token is not renewed: once the tenant refuses it (it expired and ended the stream), ask for another.
  const stream = useActivityStream(
    getToken,
    ready.session.mode === 'management-token'
      ? () => signOut('The management token expired or was refused: paste a new one.')
      : undefined,
  );

  const loadSystem = useCallback(async () => {
    try {
      setSystem(await callTenant<ConsoleSystem>('/console/api/system', await getToken()));
      setSystemError(undefined);
    } catch (error) {
      setSystemError(messageOf(error));
    }
  }, [getToken]);

  useEffect(() => {
    void loadSystem();
  }, [loadSystem]);

  // Any write through /api/v2 (from here or elsewhere) may change the picture: reload it, at most every 300 ms.
  const lastWrite = stream.events.find((e) => e.type === 'management')?.id;
  useEffect(() => {
    if (lastWrite === undefined) return;
    const timer = setTimeout(() => void loadSystem(), 300);
    return () => clearTimeout(timer);
  }, [lastWrite, loadSystem]);

  useEffect(() => {
    const onHash = () => setView(viewFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const go = (next: View) => {
    window.location.hash = `#/${next}`;
    setView(next);
  };

  const runEdit = useCallback(
    async (edit: Edit) => {
      try {
        const inverse = await edit.apply(await getToken());
        push({
          message: edit.describe,
          tone: 'success',
          undo: async () => {
            try {
              await inverse.apply(await getToken());
              push({ message: `Undone: ${inverse.describe}`, tone: 'success' });
            } catch (error) {
              push({ message: `Could not undo (${inverse.describe}): ${messageOf(error)}`, tone: 'error' });
            }
            await loadSystem();
          },
        });
      } catch (error) {
        push({ message: `Not done (${edit.describe}): ${messageOf(error)}`, tone: 'error' });
      }
      await loadSystem();
    },
    [getToken, push, loadSystem],
  );

  const { session } = ready;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          <span>
            <strong>authmesh console</strong>
            <span className="tenant-name" data-testid="tenant-name">
              {' '}
              · {session.tenant.name}
            </span>
            <span className="issuer"> {session.tenant.issuer}</span>
          </span>
        </div>
        <nav aria-label="Views">
          <ul className="tabs">
            {VIEWS.map((v) => (
              <li key={v.id}>
                <a
                  href={`#/${v.id}`}
                  aria-current={view === v.id ? 'page' : undefined}
                  data-testid={`view-${v.id}`}
                  onClick={(event) => {
                    event.preventDefault();
                    go(v.id);
                  }}
                >
                  {v.label}
                  {v.id === 'activity' && stream.events.length > 0 && (
                    <span className="count">
                      {' '}
                      {stream.events.length}
                      <span className="visually-hidden"> events</span>
                    </span>
                  )}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="header-tools">
          <button
            type="button"
            aria-pressed={largeText}
            data-testid="large-text"
            onClick={() => setLargeText(!largeText)}
          >
            Large text
          </button>
          {session.mode === 'management-token' && (
            <button type="button" className="quiet" onClick={() => signOut()}>
              Forget the token
            </button>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <h1 className="visually-hidden">{VIEWS.find((v) => v.id === view)?.label}</h1>
        {systemError && (
          <p className="error" role="alert">
            {systemError}
          </p>
        )}
        {view === 'picture' &&
          (system ? (
            <SystemView system={system} runEdit={runEdit} />
          ) : (
            !systemError && <p className="muted">Loading the tenant…</p>
          ))}
        {view === 'activity' && (
          <ActivityView
            events={stream.events}
            state={stream.state}
            system={system}
            includeTokens={session.include_tokens}
            onClear={stream.clear}
            onInspect={(token) => {
              setInspectToken(token);
              go('inspector');
            }}
          />
        )}
        {view === 'inspector' && <InspectorView initialToken={inspectToken} system={system} getToken={getToken} />}
      </main>
      <Toasts toasts={toasts} dismiss={dismiss} />
    </>
  );
}
