/** One checkbox per scope of an API; checked = held. Each change is one write, so each box acts at once. */
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
  onToggle: (scope: string, checked: boolean) => void;
  testId?: string;
}) {
  return (
    <fieldset className="scope-checklist" data-testid={testId}>
      <legend>{legend}</legend>
      {scopes.length === 0 && <p className="muted">This API defines no scopes.</p>}
      {scopes.map((scope) => (
        <label key={scope.value} className="check">
          <input
            type="checkbox"
            checked={held.includes(scope.value)}
            disabled={busy}
            data-scope={scope.value}
            onChange={(event) => onToggle(scope.value, event.currentTarget.checked)}
          />
          <code>{scope.value}</code>
          {scope.description && <span className="muted"> {scope.description}</span>}
        </label>
      ))}
    </fieldset>
  );
}
