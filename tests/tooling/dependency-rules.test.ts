import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cruise, type IConfiguration, type ICruiseResult } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as IConfiguration;
const FIXTURE = fileURLToPath(new URL('./fixtures/dependency-rules/', import.meta.url));

/**
 * The rules of `.dependency-cruiser.cjs` (run by `npm run check`) against a miniature repository with one
 * deliberate violation of each and allowed imports next to them: every rule must fire exactly where it
 * should, so that a rule whose path pattern silently stopped matching fails here rather than passing
 * everything.
 */
describe('dependency rules', () => {
  it('report each deliberate violation, and nothing else', async () => {
    const { output } = await cruise(['packages'], {
      baseDir: FIXTURE,
      ruleSet: { forbidden: config.forbidden ?? [] },
      validate: true,
      tsPreCompilationDeps: true,
      outputType: 'json',
    });
    const { summary } = (typeof output === 'string' ? JSON.parse(output) : output) as ICruiseResult;
    const found = summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();

    expect(found).toEqual(
      [
        // A cycle is reported once, from the module met first.
        'no-file-cycles: packages/cli/src/cycle-a.ts → packages/cli/src/cycle-b.ts',
        'no-reaching-into-another-package: packages/api/src/imports-server.ts → packages/server/src/index.ts',
        'no-reaching-into-another-package: packages/cli/test/reaches-in.ts → packages/server/src/engine/helper.ts',
        'no-server-folder-cycles: packages/server/src/engine → packages/server/src/http',
        'no-server-folder-cycles: packages/server/src/http → packages/server/src/engine',
        'sdk-never-imports-the-server: packages/api/src/imports-server.ts → packages/server/src/index.ts',
        'no-reaching-into-another-package: packages/server/src/uses-testkit.ts → packages/testkit/src/index.ts',
        'testkit-only-in-tests: packages/server/src/uses-testkit.ts → packages/testkit/src/index.ts',
      ].sort(),
    );
  });
});
