import { visibleApis } from '../graph-layout.ts';
import { ApiDetails } from './details/ApiDetails.tsx';
import { ClientDetails } from './details/ClientDetails.tsx';
import { type DetailsProps, List } from './details/common.tsx';
import { GrantDetails } from './details/GrantDetails.tsx';
import { RolePermissions } from './details/RolePermissions.tsx';

export type { RunEdit } from './details/common.tsx';

/** The side panel: what the selected node or edge is, and the controls that change it. */
export function Details(props: DetailsProps) {
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
