import { useState } from 'react';

/**
 * One checkbox per scope of an API; checked = held. Each change is one write, so each box acts at once and
 * shows the new state while the write runs (then the tenant's answer, through `held`, takes over).
 */
export function ScopeChecklist({
  legend,
  scopes,
  held,
  busy,
  onToggle,
  testId,
}: {
  legend: string;
  scopes: Array<{ value: string; description?: string }>;
  held: readonly string[];
  busy: boolean;
  onToggle: (scope: string, checked: boolean) => Promise<void> | void;
  testId?: string;
}) {
  const [pending, setPending] = useState<Readonly<Record<string, boolean>>>({});
  const toggle = async (scope: string, checked: boolean) => {
    setPending((p) => ({ ...p, [scope]: checked }));
    try {
      await onToggle(scope, checked);
    } finally {
      setPending(({ [scope]: _done, ...rest }) => rest);
    }
  };
  return (
    <fieldset className="scope-checklist" data-testid={testId}>
      <legend>{legend}</legend>
      {scopes.length === 0 && <p className="muted">This API defines no scopes.</p>}
      {scopes.map((scope) => (
        <label key={scope.value} className="check">
          <input
            type="checkbox"
            checked={pending[scope.value] ?? held.includes(scope.value)}
            disabled={busy}
            data-scope={scope.value}
            onChange={(event) => void toggle(scope.value, event.currentTarget.checked)}
          />
          <code>{scope.value}</code>
          {scope.description && <span className="muted"> {scope.description}</span>}
        </label>
      ))}
    </fieldset>
  );
}
