import { MODE_LABELS, type SilentAuthMode, switchMode } from '../silent-auth-mode.ts';

const HINTS: Record<SilentAuthMode, string> = {
  iframe: 'Tokens for each API from a hidden iframe (prompt=none); needs the tenant cookie in a third-party context.',
  refresh: 'One rotating refresh token for all three APIs (MRRT), kept in localStorage; no iframe.',
};

/** Auth0Provider's options are fixed at mount: switching stores the choice and reloads. */
export function ModeSwitch({ mode }: { mode: SilentAuthMode }) {
  return (
    <fieldset className="mode-switch" data-testid="mode-switch" data-mode={mode}>
      <legend>Silent auth</legend>
      {(['iframe', 'refresh'] as const).map((m) => (
        <button
          key={m}
          type="button"
          title={HINTS[m]}
          data-testid={`mode-${m}`}
          aria-pressed={m === mode}
          className={m === mode ? 'active' : ''}
          onClick={() => m !== mode && switchMode(m)}
        >
          {MODE_LABELS[m]}
        </button>
      ))}
    </fieldset>
  );
}
