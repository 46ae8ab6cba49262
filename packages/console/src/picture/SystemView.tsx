import { useMemo, useState } from 'react';
import { layoutGraph } from '../graph-layout.ts';
import type { ConsoleSystem } from '../types.ts';
import { Details, type RunEdit } from './Details.tsx';
import { Graph, GraphLegend } from './Graph.tsx';
import { Matrix } from './Matrix.tsx';
import type { Selection } from './selection.ts';
import { UsersPanel } from './UsersPanel.tsx';

/** Above this many applications the graph is too dense to read: the matrix is shown first. */
export const GRAPH_LIMIT = 40;

const TRIGGER_NAMES: Record<string, string> = {
  'post-login': 'Post Login',
  'credentials-exchange': 'Machine to Machine',
  'pre-user-registration': 'Pre User Registration',
  'post-user-registration': 'Post User Registration',
  'post-change-password': 'Post Change Password',
  'send-phone-message': 'Send Phone Message',
};

function ActionsStrip({ system }: { system: ConsoleSystem }) {
  const bound = system.actions.filter((t) => t.actions.length > 0);
  return (
    <section className="actions-strip" aria-label="Actions per trigger" data-testid="actions-strip">
      <h2 className="strip-title">Actions</h2>
      {bound.length === 0 ? (
        <span className="muted">No action is bound to a trigger.</span>
      ) : (
        <ul className="plain inline">
          {bound.map((trigger) => (
            <li key={trigger.trigger} className="trigger" data-trigger={trigger.trigger}>
              <span className="trigger-name">{TRIGGER_NAMES[trigger.trigger] ?? trigger.trigger}</span>
              {trigger.actions.map((action, index) => (
                <span key={action.id} className="action-chip">
                  {index > 0 && <span aria-hidden="true">→ </span>}
                  {action.name}
                </span>
              ))}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** A few words naming what is selected, for the screen reader's announcement. */
function describeSelection(system: ConsoleSystem, selection: NonNullable<Selection>): string {
  const client = (id: string) => system.clients.find((c) => c.client_id === id)?.name ?? id;
  const api = (audience: string) => system.apis.find((a) => a.identifier === audience)?.name ?? audience;
  const role = (id: string) => system.roles.find((r) => r.id === id)?.name ?? id;
  const ref = selection.ref;
  switch (ref.kind) {
    case 'client':
      return client(ref.clientId);
    case 'api':
      return api(ref.audience);
    case 'role':
      return `the role ${role(ref.roleId)}`;
    case 'grant': {
      const grant = system.client_grants.find((g) => g.id === ref.grantId);
      return grant ? `the grant of ${client(grant.client_id)} on ${api(grant.audience)}` : 'a grant';
    }
    case 'mrrt':
      return `the refresh-token policy of ${client(ref.clientId)} for ${api(ref.audience)}`;
    case 'role-permission':
      return `the permissions of ${role(ref.roleId)} on ${api(ref.audience)}`;
  }
}

/** View 1: the whole tenant at once, as a graph or as a matrix, with details and edits for what is chosen. */
export function SystemView({ system, runEdit }: { system: ConsoleSystem; runEdit: RunEdit }) {
  const large = system.clients.length > GRAPH_LIMIT;
  const [mode, setMode] = useState<'graph' | 'matrix'>(large ? 'matrix' : 'graph');
  const [filter, setFilter] = useState('');
  const [selection, setSelection] = useState<Selection>(null);
  const layout = useMemo(() => layoutGraph(system, filter), [system, filter]);
  const empty = system.clients.length === 0 && system.apis.filter((a) => !a.is_system).length === 0;

  return (
    <div className="system-view">
      <div className="toolbar">
        <fieldset className="segmented">
          <legend className="visually-hidden">Show the picture as</legend>
          <button
            type="button"
            aria-pressed={mode === 'graph'}
            data-testid="mode-graph"
            onClick={() => setMode('graph')}
          >
            Graph
          </button>
          <button
            type="button"
            aria-pressed={mode === 'matrix'}
            data-testid="mode-matrix"
            onClick={() => setMode('matrix')}
          >
            Matrix
          </button>
        </fieldset>
        <label className="filter">
          Filter applications
          <input
            type="search"
            value={filter}
            placeholder="name, client id or type"
            data-testid="filter"
            onChange={(event) => setFilter(event.currentTarget.value)}
          />
        </label>
        <p className="counts" data-testid="counts">
          {system.clients.length} applications · {system.apis.filter((a) => !a.is_system).length} APIs ·{' '}
          {system.client_grants.length} grants · {system.roles.length} roles · {system.users.total} users
        </p>
      </div>
      {large && mode === 'graph' && !filter && (
        <p className="note">
          {system.clients.length} applications: type in the filter to draw only some of them, or use the matrix.
        </p>
      )}
      {large && mode === 'matrix' && (
        <p className="note">
          {system.clients.length} applications are too many to draw at once: the matrix shows them all. Filter, or
          switch to the graph.
        </p>
      )}
      <ActionsStrip system={system} />
      {empty && (
        <div className="empty" data-testid="empty-tenant">
          <h2>This tenant is empty</h2>
          <p>
            It has no applications and no APIs yet. Declare them in your tenant.yaml (clients:, resourceServers:,
            clientGrants:, roles:) and restart, or create them through the Management API (POST /api/v2/clients,
            /api/v2/resource-servers): the picture updates as they appear.
          </p>
        </div>
      )}
      <div className="picture-and-details">
        <div className="picture">
          {mode === 'graph' ? (
            <>
              <GraphLegend />
              <div className="graph-scroll">
                <Graph layout={layout} selection={selection} onSelect={setSelection} />
              </div>
            </>
          ) : (
            <Matrix system={system} filter={filter} onSelect={setSelection} />
          )}
        </div>
        <p className="visually-hidden" aria-live="polite">
          {selection ? `Details of ${describeSelection(system, selection)} beside the picture.` : ''}
        </p>
        {/* Beside the picture the panel scrolls on its own: focusable, so the keyboard can scroll it too. */}
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1). */}
        <aside className="details panel" aria-label="Details" data-testid="details" tabIndex={0}>
          <Details system={system} selection={selection} onSelect={setSelection} runEdit={runEdit} />
        </aside>
      </div>
      <UsersPanel system={system} runEdit={runEdit} />
    </div>
  );
}
