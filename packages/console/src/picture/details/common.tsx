import type { ReactNode } from 'react';
import { useState } from 'react';
import type { Edit } from '../../edits.ts';
import type { ConsoleApi, ConsoleClientGrant, ConsoleSystem } from '../../types.ts';
import type { Selection } from '../selection.ts';

/** Applies an edit (one Management API write) and shows its toast; resolves when done, whatever the outcome. */
export type RunEdit = (edit: Edit) => Promise<void>;

/** What every details view gets. */
export interface DetailsProps {
  system: ConsoleSystem;
  selection: Selection;
  onSelect: (selection: Selection) => void;
  runEdit: RunEdit;
}

/** A list of values in code type, or a muted word when it is empty. */
export function List({ items, empty }: { items: readonly string[]; empty: string }) {
  if (items.length === 0) return <span className="muted">{empty}</span>;
  return (
    <ul className="plain">
      {items.map((item) => (
        <li key={item}>
          <code>{item}</code>
        </li>
      ))}
    </ul>
  );
}

/** A definition list: one fact per row. */
export function Facts({ rows }: { rows: Array<[string, ReactNode]> }) {
  return (
    <dl className="facts">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * One client grant in a list, as a link to its own details: `party` is the other end (the API seen from an
 * application, the application seen from an API), then the kind of grant and its scopes.
 */
export function GrantItem({
  grant,
  party,
  onSelect,
}: {
  grant: ConsoleClientGrant;
  party: string;
  onSelect: DetailsProps['onSelect'];
}) {
  return (
    <li>
      <button
        type="button"
        className="link"
        onClick={() => onSelect({ type: 'edge', ref: { kind: 'grant', grantId: grant.id } })}
      >
        {party} ({grant.subject_type === 'user' ? 'on behalf of users' : 'M2M'}): {grant.scope.join(' ') || 'no scopes'}
      </button>
    </li>
  );
}

/** Keeps the API's own order of scopes, so a toggled scope lands where the API lists it. */
export function inApiOrder(api: ConsoleApi | undefined, scopes: Iterable<string>): string[] {
  const wanted = new Set(scopes);
  const ordered = (api?.scopes ?? []).map((s) => s.value).filter((s) => wanted.has(s));
  return [...ordered, ...[...wanted].filter((s) => !ordered.includes(s))];
}

/** Runs one edit at a time and says when one is running (to disable the controls meanwhile). */
export function useBusy(runEdit: RunEdit) {
  const [busy, setBusy] = useState(false);
  const run = async (edit: Edit) => {
    setBusy(true);
    try {
      await runEdit(edit);
    } finally {
      setBusy(false);
    }
  };
  return { busy, run };
}
