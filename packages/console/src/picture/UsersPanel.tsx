import { useState } from 'react';
import { setUserBlocked } from '../edits.ts';
import type { ConsoleSystem, ConsoleUser } from '../types.ts';
import type { RunEdit } from './Details.tsx';

function describeUser(user: ConsoleUser): string {
  return user.email ?? user.name ?? user.user_id;
}

function UserRow({ user, system, runEdit }: { user: ConsoleUser; system: ConsoleSystem; runEdit: RunEdit }) {
  const [busy, setBusy] = useState(false);
  const roles = user.role_ids.map((id) => system.roles.find((r) => r.id === id)?.name ?? id);
  const who = describeUser(user);
  return (
    <tr data-testid="user-row" data-email={user.email ?? ''} data-blocked={String(user.blocked)}>
      <th scope="row">
        {who}
        {user.name && user.email && <span className="muted"> {user.name}</span>}
      </th>
      <td>{roles.join(', ') || <span className="muted">none</span>}</td>
      <td>
        {user.permissions.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          user.permissions.map((p) => `${p.permission}`).join(' ')
        )}
      </td>
      <td>{user.blocked ? <strong className="bad">Blocked</strong> : 'Active'}</td>
      <td>
        <button
          type="button"
          disabled={busy}
          data-testid="user-block-toggle"
          onClick={async () => {
            setBusy(true);
            try {
              await runEdit(
                setUserBlocked(
                  user,
                  !user.blocked,
                  user.blocked ? `Unblocked ${who}` : `Blocked ${who}: their logins and refresh tokens are refused`,
                  user.blocked ? `Blocked ${who} again` : `Unblocked ${who}`,
                ),
              );
            } finally {
              setBusy(false);
            }
          }}
        >
          {user.blocked ? 'Unblock' : 'Block'}
          <span className="visually-hidden"> {who}</span>
        </button>
      </td>
    </tr>
  );
}

/** The tenant's users (the first 200): roles, direct permissions, and block/unblock. */
export function UsersPanel({ system, runEdit }: { system: ConsoleSystem; runEdit: RunEdit }) {
  const { users } = system;
  return (
    <section className="panel" aria-labelledby="users-heading">
      <h2 id="users-heading">
        Users{' '}
        <span className="muted">
          ({users.shown.length < users.total ? `first ${users.shown.length} of ${users.total}` : users.total})
        </span>
      </h2>
      {users.total === 0 ? (
        <p className="muted">No users yet: add them under users: in tenant.yaml, or sign up on the login page.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Roles</th>
                <th scope="col">Direct permissions</th>
                <th scope="col">Status</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {users.shown.map((user) => (
                <UserRow key={user.user_id} user={user} system={system} runEdit={runEdit} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
