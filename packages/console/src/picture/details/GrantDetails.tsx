import { deleteGrant, setGrantScopes } from '../../edits.ts';
import type { ConsoleClientGrant, ConsoleSystem } from '../../types.ts';
import { ScopeChecklist } from '../ScopeChecklist.tsx';
import { Facts, inApiOrder, type RunEdit, useBusy } from './common.tsx';

/** A client grant (an edge from an application to an API): what it allows, its scopes as checkboxes, removal. */
export function GrantDetails({
  grant,
  system,
  runEdit,
}: {
  grant: ConsoleClientGrant;
  system: ConsoleSystem;
  runEdit: RunEdit;
}) {
  const { busy, run } = useBusy(runEdit);
  const client = system.clients.find((c) => c.client_id === grant.client_id);
  const api = system.apis.find((a) => a.identifier === grant.audience);
  const clientName = client?.name ?? grant.client_id;
  const apiName = api?.name ?? grant.audience;
  const obo = grant.subject_type === 'user';
  return (
    <div data-testid="details-grant" data-client={clientName} data-audience={grant.audience}>
      <h2>
        {clientName} → {apiName}
      </h2>
      <p>
        {obo
          ? `User-delegated grant: ${clientName} may exchange a user's token for a token for ${apiName} (On-Behalf-Of, RFC 8693). The token names the user and carries at most these scopes, and only those the user holds there.`
          : `Client grant: ${clientName} may get machine-to-machine tokens for ${apiName} with the client-credentials grant, with these scopes.`}
      </p>
      <Facts
        rows={[
          ['Grant id', <code key="id">{grant.id}</code>],
          ['Subject type', obo ? 'user (on behalf of)' : 'client (machine to machine)'],
        ]}
      />
      <ScopeChecklist
        legend={`Scopes granted on ${apiName}`}
        testId="grant-scopes"
        scopes={api?.scopes ?? grant.scope.map((value) => ({ value }))}
        held={grant.scope}
        busy={busy}
        onToggle={(scope, checked) => {
          const next = inApiOrder(api, checked ? [...grant.scope, scope] : grant.scope.filter((s) => s !== scope));
          return run(
            setGrantScopes(
              grant,
              next,
              checked
                ? `Granted ${scope} to ${clientName} on ${apiName}`
                : `Took ${scope} back from ${clientName} on ${apiName}`,
              checked
                ? `Took ${scope} back from ${clientName} on ${apiName}`
                : `Granted ${scope} to ${clientName} on ${apiName} again`,
            ),
          );
        }}
      />
      <button
        type="button"
        className="danger"
        disabled={busy}
        onClick={() =>
          void run(
            deleteGrant(
              grant,
              `Removed ${clientName}'s grant on ${apiName}`,
              `Restored ${clientName}'s grant on ${apiName}`,
            ),
          )
        }
      >
        Remove this grant
      </button>
    </div>
  );
}
