import { useMemo, useState } from 'react';
import type { StreamState } from '../activity-stream.ts';
import { clock, show } from '../format.ts';
import type { ActivityEvent, ConsoleSystem } from '../types.ts';
import { audienceOf, clientOf, headline, namer, type Outcome, outcomeOf, TYPE_LABELS, userTextOf } from './describe.ts';

interface Filters {
  client: string;
  api: string;
  user: string;
  outcome: '' | Outcome;
}

function matches(event: ActivityEvent, filters: Filters, emails: ReadonlyMap<string, string>): boolean {
  if (filters.client && clientOf(event) !== filters.client) return false;
  if (filters.api && audienceOf(event) !== filters.api) return false;
  if (filters.outcome && outcomeOf(event) !== filters.outcome) return false;
  if (filters.user) {
    // A token names its user by id: the e-mail typed in the filter finds it through the tenant's users.
    const text = userTextOf(event);
    const known = text
      .split(' ')
      .map((id) => emails.get(id) ?? '')
      .join(' ');
    if (!`${text} ${known}`.toLowerCase().includes(filters.user.trim().toLowerCase())) return false;
  }
  return true;
}

function Detail({ event, names }: { event: ActivityEvent; names: ReturnType<typeof namer> }) {
  switch (event.type) {
    case 'token':
      return (
        <dl className="inline-facts">
          {event.scope && (
            <div>
              <dt>scope</dt>
              <dd>
                <code>{event.scope}</code>
              </dd>
            </div>
          )}
          {Array.isArray(event.claims?.permissions) && (
            <div>
              <dt>permissions</dt>
              <dd>
                <code>{(event.claims.permissions as unknown[]).join(' ') || '(none)'}</code>
              </dd>
            </div>
          )}
          {event.subject && (
            <div>
              <dt>subject</dt>
              <dd>
                <code>{event.subject}</code>
              </dd>
            </div>
          )}
          {event.act !== undefined && (
            <div>
              <dt>act</dt>
              <dd>
                <code>{show(event.act)}</code>
              </dd>
            </div>
          )}
          {event.audience && (
            <div>
              <dt>audience</dt>
              <dd>
                <code>{event.audience}</code>
              </dd>
            </div>
          )}
        </dl>
      );
    case 'refusal':
      return (
        <p className="reason" data-testid="refusal-reason">
          {event.reason}
        </p>
      );
    case 'login':
      return event.reason ? <p className="reason">{event.reason}</p> : null;
    case 'management':
      return (
        <p className="muted">
          {Object.entries(event.target)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ')}
        </p>
      );
    case 'refresh':
      return event.audience ? <p className="muted">for {names.api(event.audience)}</p> : null;
    default:
      return null;
  }
}

/** View 2: the tenant's live activity, newest first, filterable; tokens open in the inspector. */
export function ActivityView({
  events,
  state,
  system,
  includeTokens,
  onInspect,
  onClear,
}: {
  events: ActivityEvent[];
  state: StreamState;
  system: ConsoleSystem | undefined;
  includeTokens: boolean;
  onInspect: (token: string) => void;
  onClear: () => void;
}) {
  const [filters, setFilters] = useState<Filters>({ client: '', api: '', user: '', outcome: '' });
  const [frozen, setFrozen] = useState<ActivityEvent[] | null>(null);
  const names = useMemo(() => namer(system), [system]);
  const source = frozen ?? events;
  const emails = useMemo(
    () => new Map((system?.users.shown ?? []).map((u) => [u.user_id, u.email ?? ''] as const)),
    [system],
  );
  const shown = source.filter((event) => matches(event, filters, emails));
  const waiting = frozen ? events.length - frozen.length : 0;
  const latest = events[0];
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));

  return (
    <div className="activity-view">
      <div className="toolbar">
        <p className={`stream-state stream-${state}`} data-testid="stream-state" data-state={state}>
          {state === 'live' ? '● Live' : state === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </p>
        <button
          type="button"
          aria-pressed={frozen !== null}
          data-testid="pause"
          onClick={() => setFrozen((f) => (f ? null : events))}
        >
          {frozen ? `Resume${waiting > 0 ? ` (${waiting} new)` : ''}` : 'Pause'}
        </button>
        <button type="button" className="quiet" onClick={onClear}>
          Clear
        </button>
      </div>
      <fieldset className="filters">
        <legend>Filter</legend>
        <label>
          Application
          <select
            value={filters.client}
            data-testid="filter-client"
            onChange={(e) => set({ client: e.currentTarget.value })}
          >
            <option value="">All</option>
            {(system?.clients ?? []).map((c) => (
              <option key={c.client_id} value={c.client_id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          API
          <select value={filters.api} data-testid="filter-api" onChange={(e) => set({ api: e.currentTarget.value })}>
            <option value="">All</option>
            {(system?.apis ?? []).map((a) => (
              <option key={a.identifier} value={a.identifier}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          User
          <input
            type="search"
            value={filters.user}
            placeholder="e-mail or user id"
            data-testid="filter-user"
            onChange={(e) => set({ user: e.currentTarget.value })}
          />
        </label>
        <label>
          Outcome
          <select
            value={filters.outcome}
            data-testid="filter-outcome"
            onChange={(e) => set({ outcome: e.currentTarget.value as Filters['outcome'] })}
          >
            <option value="">All</option>
            <option value="success">Succeeded</option>
            <option value="failure">Refused or failed</option>
          </select>
        </label>
      </fieldset>
      <p className="visually-hidden" aria-live="polite" data-testid="activity-announcer">
        {latest && !frozen ? headline(latest, names) : ''}
      </p>
      {shown.length === 0 ? (
        <p className="empty" data-testid="activity-empty">
          {source.length === 0
            ? 'Nothing yet. Log in to an application, or get a token: it appears here as it happens.'
            : 'No event matches the filter.'}
        </p>
      ) : (
        <ol className="events" data-testid="activity-list">
          {shown.map((event) => {
            const outcome = outcomeOf(event);
            return (
              <li
                key={`${event.id}|${event.time}`}
                className={`event event-${event.type} outcome-${outcome}`}
                data-testid="activity-event"
                data-type={event.type}
                data-outcome={outcome}
                data-client={clientOf(event) ?? ''}
                data-audience={audienceOf(event) ?? ''}
                data-grant-type={event.type === 'token' ? event.grant_type : ''}
                data-time={event.time}
              >
                <span className={`badge badge-${event.type} badge-${outcome}`}>{TYPE_LABELS[event.type]}</span>
                <time dateTime={event.time}>{clock(event.time)}</time>
                <div className="event-body">
                  <p className="headline">{headline(event, names)}</p>
                  <Detail event={event} names={names} />
                </div>
                {event.type === 'token' && event.access_token && (
                  <button
                    type="button"
                    data-testid="inspect-token"
                    onClick={() => event.access_token && onInspect(event.access_token)}
                  >
                    Inspect<span className="visually-hidden"> the token for {names.api(event.audience)}</span>
                  </button>
                )}
                {event.type === 'token' && !event.access_token && event.claims && !includeTokens && (
                  <details className="claims">
                    <summary>Claims</summary>
                    <pre>{JSON.stringify(event.claims, null, 2)}</pre>
                  </details>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
