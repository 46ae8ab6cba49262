import type { ConsoleApi } from '../../types.ts';
import { type DetailsProps, Facts, GrantItem } from './common.tsx';

/** An API: its identifier, RBAC and dialect, scopes, and everyone who may get a token for it. */
export function ApiDetails({ api, system, onSelect }: DetailsProps & { api: ConsoleApi }) {
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
          <GrantItem key={grant.id} grant={grant} party={clientName(grant.client_id)} onSelect={onSelect} />
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
