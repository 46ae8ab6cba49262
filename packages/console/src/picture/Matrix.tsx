import { canHoldGrants, clientMatches, visibleApis } from '../graph-layout.ts';
import type { ConsoleSystem } from '../types.ts';
import type { Selection } from './selection.ts';

/**
 * The picture as two tables, for tenants too large to draw: clients × APIs (cells: what the client may get
 * for that API) and roles × APIs (cells: the role's permissions). Every cell entry opens its details.
 */
export function Matrix({
  system,
  filter,
  onSelect,
}: {
  system: ConsoleSystem;
  filter: string;
  onSelect: (selection: Selection) => void;
}) {
  const apis = visibleApis(system);
  const clients = system.clients.filter((c) => clientMatches(c, filter));
  return (
    <div className="matrix" data-testid="matrix">
      <div className="table-scroll">
        <table>
          <caption>
            Applications × APIs: what each application may get for each API ({clients.length} of {system.clients.length}{' '}
            applications)
          </caption>
          <thead>
            <tr>
              <th scope="col">Application</th>
              {apis.map((api) => (
                <th scope="col" key={api.identifier}>
                  {api.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {clients.map((client) => (
              <tr key={client.client_id} data-testid="matrix-client-row" data-name={client.name}>
                <th scope="row">
                  <button
                    type="button"
                    className="link"
                    onClick={() => onSelect({ type: 'node', ref: { kind: 'client', clientId: client.client_id } })}
                  >
                    {client.name}
                  </button>
                </th>
                {apis.map((api) => {
                  const grants = system.client_grants.filter(
                    (g) => g.client_id === client.client_id && g.audience === api.identifier,
                  );
                  const policy = client.refresh_token?.policies?.find((p) => p.audience === api.identifier);
                  return (
                    <td key={api.identifier}>
                      {grants.map((grant) => (
                        <button
                          type="button"
                          key={grant.id}
                          className={`chip chip-${grant.subject_type === 'user' ? 'obo' : 'm2m'}`}
                          onClick={() => onSelect({ type: 'edge', ref: { kind: 'grant', grantId: grant.id } })}
                        >
                          {grant.subject_type === 'user' ? 'on behalf: ' : 'M2M: '}
                          {grant.scope.join(' ') || '(no scopes)'}
                        </button>
                      ))}
                      {policy && (
                        <button
                          type="button"
                          className="chip chip-mrrt"
                          onClick={() =>
                            onSelect({
                              type: 'edge',
                              ref: { kind: 'mrrt', clientId: client.client_id, audience: api.identifier },
                            })
                          }
                        >
                          refresh: {policy.scope.join(' ')}
                        </button>
                      )}
                      {grants.length === 0 &&
                        !policy &&
                        (canHoldGrants(client) ? (
                          <button
                            type="button"
                            className="chip chip-empty"
                            aria-label={`Grant ${client.name} access to ${api.name}`}
                            onClick={() =>
                              onSelect({
                                type: 'node',
                                ref: { kind: 'client', clientId: client.client_id },
                                grantAudience: api.identifier,
                              })
                            }
                          >
                            + grant
                          </button>
                        ) : (
                          <span className="muted">—</span>
                        ))}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="table-scroll">
        <table>
          <caption>Roles × APIs: the permissions each role gives its users</caption>
          <thead>
            <tr>
              <th scope="col">Role</th>
              {apis.map((api) => (
                <th scope="col" key={api.identifier}>
                  {api.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {system.roles.map((role) => (
              <tr key={role.id} data-testid="matrix-role-row" data-name={role.name}>
                <th scope="row">
                  <button
                    type="button"
                    className="link"
                    onClick={() => onSelect({ type: 'node', ref: { kind: 'role', roleId: role.id } })}
                  >
                    {role.name}
                  </button>
                </th>
                {apis.map((api) => {
                  const held = role.permissions.filter((p) => p.audience === api.identifier).map((p) => p.permission);
                  return (
                    <td key={api.identifier}>
                      <button
                        type="button"
                        className={held.length > 0 ? 'chip chip-rbac' : 'chip chip-empty'}
                        aria-label={`${role.name} on ${api.name}: ${held.join(', ') || 'no permissions'}`}
                        onClick={() =>
                          onSelect({
                            type: 'edge',
                            ref: { kind: 'role-permission', roleId: role.id, audience: api.identifier },
                          })
                        }
                      >
                        {held.join(' ') || '—'}
                      </button>
                    </td>
                  );
                })}
              </tr>
            ))}
            {system.roles.length === 0 && (
              <tr>
                <td colSpan={apis.length + 1} className="muted">
                  No roles yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
