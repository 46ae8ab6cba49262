import { type FormEvent, useState } from 'react';

/**
 * Management-token mode (authmesh serve): the console holds no data until a Management API token with the
 * read scopes is pasted. It is kept in sessionStorage only: closing the tab forgets it.
 */
export function TokenGate({
  reason,
  tenantName,
  onToken,
}: {
  reason?: string | undefined;
  tenantName?: string | undefined;
  onToken: (token: string) => void;
}) {
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) onToken(value.trim());
  };
  return (
    <main id="main" className="gate">
      <h1>authmesh console{tenantName ? ` · ${tenantName}` : ''}</h1>
      <p>
        This tenant's console needs a Management API access token with at least the scopes{' '}
        <code>read:clients read:resource_servers read:client_grants read:roles read:users</code> (and the matching
        update scopes to make changes). Get one with the client-credentials grant for the audience{' '}
        <code>{`${window.location.origin}/api/v2/`}</code>.
      </p>
      <p className="muted">The token stays in this tab's session storage and is sent only to this tenant.</p>
      {reason && (
        <p className="error" role="alert" data-testid="gate-error">
          {reason}
        </p>
      )}
      <form onSubmit={submit} data-testid="token-gate">
        <label htmlFor="management-token">Management API access token</label>
        <textarea
          id="management-token"
          rows={4}
          spellCheck={false}
          autoComplete="off"
          value={value}
          onChange={(event) => setValue(event.currentTarget.value)}
        />
        <button type="submit" disabled={!value.trim()}>
          Open the console
        </button>
      </form>
    </main>
  );
}
