import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type AccessRow, lintTenant, loadTenantConfigFile } from '@authmesh/server';
import { UsageError } from './args.ts';

export const LINT_USAGE = `authmesh lint --config <tenant.yaml>
  Prints who may call what (clients × APIs with scopes, roles × APIs with permissions) and what a
  reviewer would flag, each with its fix. Exit code 1 when there are errors, 0 otherwise.`;

/** `authmesh lint`: the access matrix and the findings; exit 1 on any error finding. */
export async function lintCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { config: { type: 'string', short: 'c' } },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!values.config) throw new UsageError(`--config <tenant.yaml> is required\n${LINT_USAGE}`);
  const report = lintTenant(await loadTenantConfigFile(resolve(values.config)));
  console.log('Who may call what:\n');
  console.log(formatTable(report.matrix));
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  console.log('');
  for (const finding of report.findings) {
    console.log(`${finding.severity} [${finding.rule}] ${finding.message}\n  fix: ${finding.fix}`);
  }
  console.log(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
  return errors > 0 ? 1 : 0;
}

/** The matrix as an aligned text table, clients first, then roles. */
export function formatTable(rows: readonly AccessRow[]): string {
  const cells = [
    ['', 'WHO', 'API', 'SCOPES / PERMISSIONS'],
    ...rows.map((r) => [r.kind, r.who, r.api, r.scopes.join(' ') || '(none)']),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...cells.map((c) => c[i]?.length ?? 0)));
  return cells
    .map((c) =>
      c
        .map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
