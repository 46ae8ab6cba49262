import { appTypeLabel, canHoldGrants } from '../../graph-layout.ts';
import type { ConsoleClient } from '../../types.ts';
import { type DetailsProps, Facts, GrantItem, List } from './common.tsx';
import { NewGrantForm } from './NewGrantForm.tsx';

/** An application: how it signs users in, its URLs and refresh policy, its grants, and a new grant. */
export function ClientDetails({
  client,
  system,
  onSelect,
  runEdit,
  grantAudience,
}: DetailsProps & { client: ConsoleClient; grantAudience: string | undefined }) {
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
            <GrantItem key={grant.id} grant={grant} party={apiName(grant.audience)} onSelect={onSelect} />
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
