import { type FieldChange, type ImportPlan, type PlannedChange, USER_DELEGATED_SUFFIX } from './plan-types.ts';

const LABELS: Record<PlannedChange['kind'], string> = {
  resource_server: 'resource server',
  client: 'client',
  client_grant: 'client grant',
  role: 'role',
  user: 'user',
  connection: 'connection',
  action: 'action',
  trigger: 'trigger',
};

const SIGNS = { create: '+', update: '~', delete: '-' } as const;

// Long values (scope lists, refresh-token blocks) would drown the plan; the field name says enough.
const MAX_VALUE = 80;

/**
 * The plan as `authmesh import --dry-run` prints it: one line per created or deleted entity and per
 * changed field, then a summary. Secrets are shown as `(changed)`, never their values.
 *
 * ```
 * + client "Orders Service"
 * ~ resource server "https://x" token_lifetime: 3600 → 60
 * - client grant "A" → "https://x"
 * Plan: 1 to create, 1 to update, 1 to delete, 9 unchanged.
 * ```
 */
export function formatPlan(plan: ImportPlan): string {
  const lines: string[] = [];
  for (const change of plan.changes) {
    if (change.action === 'unchanged') continue;
    const subject = `${SIGNS[change.action]} ${LABELS[change.kind]} ${quoteKey(change)}`;
    if (change.action !== 'update') lines.push(subject);
    for (const field of change.changes ?? []) lines.push(`${subject} ${formatField(field)}`);
  }
  const count = (action: PlannedChange['action']) => plan.changes.filter((c) => c.action === action).length;
  const [create, update, remove, unchanged] = [count('create'), count('update'), count('delete'), count('unchanged')];
  lines.push(
    create + update + remove === 0
      ? `No changes: ${unchanged} entities already match the file.`
      : `Plan: ${create} to create, ${update} to update, ${remove} to delete, ${unchanged} unchanged.`,
  );
  return `${lines.join('\n')}\n`;
}

function quoteKey(change: PlannedChange): string {
  if (change.kind !== 'client_grant') return JSON.stringify(change.key);
  const delegated = change.key.endsWith(USER_DELEGATED_SUFFIX);
  const key = delegated ? change.key.slice(0, -USER_DELEGATED_SUFFIX.length) : change.key;
  const [client, audience] = key.split(' → ');
  return `${JSON.stringify(client)} → ${JSON.stringify(audience)}${delegated ? USER_DELEGATED_SUFFIX : ''}`;
}

function formatField(change: FieldChange): string {
  if (change.secret) return `${change.field}: (changed)`;
  return `${change.field}: ${formatValue(change.from)} → ${formatValue(change.to)}`;
}

function formatValue(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}
