import { type FormEvent, useState } from 'react';
import { createGrant, deleteGrant, type Edit, setGrantScopes, setRolePermission } from '../edits.ts';
import { appTypeLabel, canHoldGrants, visibleApis } from '../graph-layout.ts';
import type { ConsoleApi, ConsoleClient, ConsoleClientGrant, ConsoleRole, ConsoleSystem } from '../types.ts';
import { ScopeChecklist } from './ScopeChecklist.tsx';
import type { Selection } from './selection.ts';

/** Applies an edit (one Management API write) and shows its toast; resolves when done, whatever the outcome. */
export type RunEdit = (edit: Edit) => Promise<void>;

interface Props {
  system: ConsoleSystem;
  selection: Selection;
  onSelect: (selection: Selection) => void;
  runEdit: RunEdit;
}

function List({ items, empty }: { items: readonly string[]; empty: string }) {
  if (items.length === 0) return <span className="muted">{empty}</span>;
  return (
    <ul className="plain">
      {items.map((item) => (
        <li key={item}>
          <code>{item}</code>
        </li>
      ))}
    </ul>
  );
}

function Facts({ rows }: { rows: Array<[string, React.ReactNode]> }) {
  return (
    <dl className="facts">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Keeps the API's own order of scopes, so a toggled scope lands where the API lists it. */
function inApiOrder(api: ConsoleApi | undefined, scopes: Iterable<string>): string[] {
  const wanted = new Set(scopes);
  const ordered = (api?.scopes ?? []).map((s) => s.value).filter((s) => wanted.has(s));
  return [...ordered, ...[...wanted].filter((s) => !ordered.includes(s))];
}

function useBusy(runEdit: RunEdit) {
  const [busy, setBusy] = useState(false);
  const run = async (edit: Edit) => {
    setBusy(true);
    try {
      await runEdit(edit);
    } finally {
      setBusy(false);
    }
  };
  return { busy, run };
}

function GrantDetails({
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

function RolePermissions({ role, apis, runEdit }: { role: ConsoleRole; apis: ConsoleApi[]; runEdit: RunEdit }) {
  const { busy, run } = useBusy(runEdit);
  return (
    <>
      {apis.map((api) => (
        <ScopeChecklist
          key={api.identifier}
          legend={`Permissions on ${api.name}`}
          testId={`role-permissions-${api.identifier}`}
          scopes={api.scopes}
          held={role.permissions.filter((p) => p.audience === api.identifier).map((p) => p.permission)}
          busy={busy}
          onToggle={(permission, checked) =>
            run(
              setRolePermission(
                role,
                { audience: api.identifier, permission },
                checked,
                checked
                  ? `Added ${permission} on ${api.name} to the role ${role.name}`
                  : `Removed ${permission} on ${api.name} from the role ${role.name}`,
                checked
                  ? `Removed ${permission} on ${api.name} from the role ${role.name}`
                  : `Added ${permission} on ${api.name} to the role ${role.name} again`,
              ),
            )
          }
        />
      ))}
    </>
  );
}

function NewGrantForm({
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

function ClientDetails({
  client,
  system,
  onSelect,
  runEdit,
  grantAudience,
}: Props & { client: ConsoleClient; grantAudience: string | undefined }) {
  const grants = system.client_grants.filter((g) => g.client_id === client.client_id);
  const apiName = (audience: string) => system.apis.find((a) => a.identifier === audience)?.name ?? audience;
  const refresh = client.refresh_token;
  return (
    <div data-testid="details-client" data-name={client.name}>
      <h2>{client.name}</h2>
      <Facts
        rows={[
          ['Type', appTypeLabel(client)],
          ['Client id', <code key="id">{client.client_id}</code>],
          ['Grant types', <List key="g" items={client.grant_types} empty="none" />],
          ['Authenticates with', <code key="a">{client.token_endpoint_auth_method}</code>],
          ['First party', client.is_first_party ? 'yes' : 'no'],
          ['Callbacks', <List key="c" items={client.callbacks} empty="none" />],
          ['Allowed origins (CORS)', <List key="o" items={client.allowed_origins} empty="none" />],
          ['Web origins (silent auth)', <List key="w" items={client.web_origins} empty="none" />],
          ['Logout URLs', <List key="l" items={client.allowed_logout_urls} empty="none" />],
          [
            'Refresh tokens',
            refresh ? (
              <span key="r">
                {refresh.rotation_type === 'rotating' ? 'rotating (reuse revokes the family)' : refresh.rotation_type},{' '}
                {refresh.expiration_type === 'expiring' ? 'expiring' : refresh.expiration_type}
              </span>
            ) : (
              'none'
            ),
          ],
          [
            'Multi-resource refresh (MRRT)',
            <List
              key="m"
              items={(refresh?.policies ?? []).map((p) => `${apiName(p.audience)}: ${p.scope.join(' ')}`)}
              empty="one audience per refresh token"
            />,
          ],
        ]}
      />
      {client.grant_types.includes('authorization_code') && (
        <p>
          Users log in through it (authorization code{client.token_endpoint_auth_method === 'none' ? ' with PKCE' : ''}
          ). It may ask for a token for any API of the tenant by naming its identifier as the audience; with RBAC the
          token carries what the user's roles allow there.
        </p>
      )}
      <h3>Grants</h3>
      {grants.length === 0 ? (
        <p className="muted">No client grants: it gets no machine-to-machine tokens.</p>
      ) : (
        <ul className="plain">
          {grants.map((grant) => (
            <li key={grant.id}>
              <button
                type="button"
                className="link"
                onClick={() => onSelect({ type: 'edge', ref: { kind: 'grant', grantId: grant.id } })}
              >
                {apiName(grant.audience)}
                {grant.subject_type === 'user' ? ' (on behalf of users)' : ''}: {grant.scope.join(' ') || 'no scopes'}
              </button>
            </li>
          ))}
        </ul>
      )}
      {canHoldGrants(client) && (
        <NewGrantForm
          key={`${client.client_id}|${grantAudience ?? ''}`}
          client={client}
          system={system}
          runEdit={runEdit}
          initialAudience={grantAudience}
        />
      )}
    </div>
  );
}

function ApiDetails({ api, system, onSelect }: Props & { api: ConsoleApi }) {
  const grants = system.client_grants.filter((g) => g.audience === api.identifier);
  const clientName = (id: string) => system.clients.find((c) => c.client_id === id)?.name ?? id;
  const policies = system.clients.filter((c) => c.refresh_token?.policies?.some((p) => p.audience === api.identifier));
  const roles = system.roles.filter((r) => r.permissions.some((p) => p.audience === api.identifier));
  return (
    <div data-testid="details-api" data-name={api.name}>
      <h2>{api.name}</h2>
      <Facts
        rows={[
          ['Identifier (audience)', <code key="i">{api.identifier}</code>],
          [
            'RBAC',
            api.enforce_policies
              ? "on: user tokens carry only the permissions the user's roles give"
              : 'off: user tokens carry the requested scopes',
          ],
          [
            'Token dialect',
            <span key="d">
              <code>{api.token_dialect}</code>
              {api.token_dialect.endsWith('_authz') ? ' (permissions claim)' : ''}
            </span>,
          ],
          ['Offline access', api.allow_offline_access ? 'allowed (refresh tokens)' : 'not allowed'],
          ['Token lifetime', `${api.token_lifetime} s`],
        ]}
      />
      <h3>Scopes</h3>
      {api.scopes.length === 0 ? (
        <p className="muted">No scopes defined.</p>
      ) : (
        <ul className="plain">
          {api.scopes.map((s) => (
            <li key={s.value}>
              <code>{s.value}</code> {s.description && <span className="muted">{s.description}</span>}
            </li>
          ))}
        </ul>
      )}
      <h3>Who may call it</h3>
      <ul className="plain">
        {grants.map((grant) => (
          <li key={grant.id}>
            <button
              type="button"
              className="link"
              onClick={() => onSelect({ type: 'edge', ref: { kind: 'grant', grantId: grant.id } })}
            >
              {clientName(grant.client_id)} ({grant.subject_type === 'user' ? 'on behalf of users' : 'M2M'}):{' '}
              {grant.scope.join(' ') || 'no scopes'}
            </button>
          </li>
        ))}
        {policies.map((client) => (
          <li key={client.client_id}>
            {client.name} (refresh token policy, MRRT):{' '}
            {client.refresh_token?.policies?.find((p) => p.audience === api.identifier)?.scope.join(' ')}
          </li>
        ))}
        {roles.map((role) => (
          <li key={role.id}>
            <button
              type="button"
              className="link"
              onClick={() =>
                onSelect({ type: 'edge', ref: { kind: 'role-permission', roleId: role.id, audience: api.identifier } })
              }
            >
              users with the role {role.name}:{' '}
              {role.permissions
                .filter((p) => p.audience === api.identifier)
                .map((p) => p.permission)
                .join(' ')}
            </button>
          </li>
        ))}
        {grants.length + policies.length + roles.length === 0 && (
          <li className="muted">Nobody yet: no grant, refresh policy or role names it.</li>
        )}
      </ul>
    </div>
  );
}

/** The side panel: what the selected node or edge is, and the controls that change it. */
export function Details(props: Props) {
  const { system, selection, runEdit } = props;
  if (!selection) {
    return (
      <p className="muted">
        Choose an application, API, role or a line between them (click, or Tab to it and press Enter) to see its details
        and change it.
      </p>
    );
  }
  if (selection.type === 'node') {
    const ref = selection.ref;
    if (ref.kind === 'client') {
      const client = system.clients.find((c) => c.client_id === ref.clientId);
      return client ? (
        <ClientDetails {...props} client={client} grantAudience={selection.grantAudience} />
      ) : (
        <p>It no longer exists.</p>
      );
    }
    if (ref.kind === 'api') {
      const api = system.apis.find((a) => a.identifier === ref.audience);
      return api ? <ApiDetails {...props} api={api} /> : <p>It no longer exists.</p>;
    }
    const role = system.roles.find((r) => r.id === ref.roleId);
    if (!role) return <p>It no longer exists.</p>;
    return (
      <div data-testid="details-role" data-name={role.name}>
        <h2>Role {role.name}</h2>
        {role.description && <p>{role.description}</p>}
        <p>
          {role.user_count} {role.user_count === 1 ? 'user holds' : 'users hold'} it.
        </p>
        <RolePermissions role={role} apis={visibleApis(system).filter((a) => !a.is_system)} runEdit={runEdit} />
      </div>
    );
  }
  const ref = selection.ref;
  if (ref.kind === 'grant') {
    const grant = system.client_grants.find((g) => g.id === ref.grantId);
    return grant ? <GrantDetails grant={grant} system={system} runEdit={runEdit} /> : <p>It no longer exists.</p>;
  }
  if (ref.kind === 'mrrt') {
    const client = system.clients.find((c) => c.client_id === ref.clientId);
    const policy = client?.refresh_token?.policies?.find((p) => p.audience === ref.audience);
    const api = system.apis.find((a) => a.identifier === ref.audience);
    if (!client || !policy) return <p>It no longer exists.</p>;
    return (
      <div data-testid="details-mrrt">
        <h2>
          {client.name} → {api?.name ?? ref.audience} (refresh token)
        </h2>
        <p>
          Multi-Resource Refresh Token policy: the refresh token {client.name} got at login also gets tokens for{' '}
          {api?.name ?? ref.audience}, with at most these scopes (and, with RBAC, only what the user holds).
        </p>
        <List items={policy.scope} empty="no scopes" />
        <p className="muted">
          Policies are part of the application (refresh_token.policies in tenant.yaml, or PATCH /api/v2/clients).
        </p>
      </div>
    );
  }
  const role = system.roles.find((r) => r.id === ref.roleId);
  const api = system.apis.find((a) => a.identifier === ref.audience);
  if (!role || !api) return <p>It no longer exists.</p>;
  return (
    <div data-testid="details-role-permission" data-role={role.name} data-audience={api.identifier}>
      <h2>
        Role {role.name} on {api.name}
      </h2>
      <p>
        Users with this role get these permissions in their tokens for {api.name}
        {api.enforce_policies ? '' : ' (RBAC is off for this API: they do not limit its tokens)'}.
      </p>
      <RolePermissions role={role} apis={[api]} runEdit={runEdit} />
    </div>
  );
}
