/**
 * Answers "why was my token refused?" and "who may call what?" from a tenant's configuration: one
 * implementation shared by `authmesh explain`, `authmesh lint`, `@authmesh/testing` and any console.
 */
export type { PublicJwk } from './jwt.ts';
export { type AccessRow, type LintFinding, type LintReport, lintTenant } from './lint.ts';
export type { ExplainTenant } from './tenant-view.ts';
export { type ExplainOptions, explainToken, type TokenVerdict } from './verdict.ts';
