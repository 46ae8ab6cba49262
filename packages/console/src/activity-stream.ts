import { useEffect, useRef, useState } from 'react';
import { readSse } from './sse.ts';
import type { ActivityEvent } from './types.ts';

/** How many events the console keeps (newest first); older ones drop off. */
const KEEP = 1000;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;

export type StreamState = 'connecting' | 'live' | 'reconnecting';

/**
 * Follows `/console/api/activity` (Server-Sent Events read with fetch, so the Authorization header can be
 * sent), reconnecting with backoff when the connection drops. `getToken` is asked again on every
 * (re)connection, so an expired console token is replaced. `onUnauthorized`, if given, is called instead of
 * retrying when the tenant refuses the token (401/403): a pasted token cannot be renewed here.
 */
export function useActivityStream(getToken: () => Promise<string | undefined>, onUnauthorized?: () => void) {
  const [events, setEvents] = useState<ActivityEvent[]>([]);
  const [state, setState] = useState<StreamState>('connecting');
  const tokenSource = useRef(getToken);
  tokenSource.current = getToken;
  const refused = useRef(onUnauthorized);
  refused.current = onUnauthorized;

  useEffect(() => {
    const abort = new AbortController();
    let failures = 0;
    const wait = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        abort.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    (async () => {
      while (!abort.signal.aborted) {
        try {
          const token = await tokenSource.current();
          const response = await fetch('/console/api/activity', {
            headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
            cache: 'no-store',
            signal: abort.signal,
          });
          if ((response.status === 401 || response.status === 403) && refused.current) {
            refused.current();
            return;
          }
          if (!response.ok || !response.body) throw new Error(`activity stream answered ${response.status}`);
          setState('live');
          failures = 0;
          await readSse(response.body, (message) => {
            if (message.event !== 'activity') return;
            let event: ActivityEvent;
            try {
              event = JSON.parse(message.data) as ActivityEvent;
            } catch {
              return;
            }
            // The tenant replays nothing on reconnection (no Last-Event-ID): every event arrives once.
            setEvents((list) => [event, ...list].slice(0, KEEP));
          });
        } catch {
          // Dropped or refused: try again below.
        }
        if (abort.signal.aborted) return;
        setState('reconnecting');
        failures += 1;
        await wait(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(failures, 5)));
      }
    })();
    return () => abort.abort();
  }, []);

  return { events, state, clear: () => setEvents([]) };
}
