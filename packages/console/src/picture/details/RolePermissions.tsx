import { setRolePermission } from '../../edits.ts';
import type { ConsoleApi, ConsoleRole } from '../../types.ts';
import { ScopeChecklist } from '../ScopeChecklist.tsx';
import { type RunEdit, useBusy } from './common.tsx';

/** A role's permissions on some APIs, one checkbox per API scope: each change adds or removes one permission. */
export function RolePermissions({ role, apis, runEdit }: { role: ConsoleRole; apis: ConsoleApi[]; runEdit: RunEdit }) {
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
