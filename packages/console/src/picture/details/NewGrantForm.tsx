import { type FormEvent, useState } from 'react';
import { createGrant } from '../../edits.ts';
import { visibleApis } from '../../graph-layout.ts';
import type { ConsoleClient, ConsoleSystem } from '../../types.ts';
import { ScopeChecklist } from '../ScopeChecklist.tsx';
import { inApiOrder, type RunEdit, useBusy } from './common.tsx';

/**
 * Creates a client grant for an application on an API it has none for: machine to machine, or user-delegated
 * (On-Behalf-Of) for a Custom API client.
 */
export function NewGrantForm({
  client,
  system,
  runEdit,
  initialAudience,
}: {
  client: ConsoleClient;
  system: ConsoleSystem;
  runEdit: RunEdit;
  initialAudience: string | undefined;
}) {
  const subjectType: 'client' | 'user' = client.app_type === 'resource_server' ? 'user' : 'client';
  const candidates = visibleApis(system).filter(
    (api) =>
      !api.is_system &&
      !system.client_grants.some(
        (g) => g.client_id === client.client_id && g.audience === api.identifier && g.subject_type === subjectType,
      ),
  );
  const [audience, setAudience] = useState(
    candidates.some((api) => api.identifier === initialAudience) ? (initialAudience ?? '') : '',
  );
  const [scopes, setScopes] = useState<string[]>([]);
  const { busy, run } = useBusy(runEdit);
  const api = candidates.find((a) => a.identifier === audience);
  if (candidates.length === 0) return null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!api) return;
    void run(
      createGrant(
        {
          client_id: client.client_id,
          audience: api.identifier,
          scope: inApiOrder(api, scopes),
          subject_type: subjectType,
        },
        `Granted ${client.name} access to ${api.name}${scopes.length ? ` with ${scopes.join(' ')}` : ''}`,
        `Removed ${client.name}'s grant on ${api.name}`,
      ),
    ).then(() => {
      setAudience('');
      setScopes([]);
    });
  };
  return (
    <form className="new-grant" onSubmit={submit} data-testid="new-grant">
      <h3>{subjectType === 'user' ? "Let it call an API on a user's behalf" : 'Grant access to an API'}</h3>
      <label>
        API
        <select
          value={audience}
          onChange={(event) => {
            setAudience(event.currentTarget.value);
            setScopes([]);
          }}
        >
          <option value="">Choose an API…</option>
          {candidates.map((candidate) => (
            <option key={candidate.identifier} value={candidate.identifier}>
              {candidate.name} ({candidate.identifier})
            </option>
          ))}
        </select>
      </label>
      {api && (
        <ScopeChecklist
          legend="Scopes"
          scopes={api.scopes}
          held={scopes}
          busy={busy}
          onToggle={(scope, checked) => setScopes((s) => (checked ? [...s, scope] : s.filter((x) => x !== scope)))}
        />
      )}
      <button type="submit" disabled={!api || busy}>
        Create the grant
      </button>
    </form>
  );
}
