/**
 * Dependency rules, checked by `npm run check` (`depcruise`). Why each exists is in its `comment`.
 * Type-only imports count: a type is a dependency on the module's design as much as a value is.
 */

/** Every workspace package's folder (root-package files such as bench/ and examples/shared/ are not packages). */
const PACKAGE = '^(packages/[^/]+|tests/e2e|examples/(?:catalog-api|orders-api|inventory-api|spa))/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-file-cycles',
      severity: 'error',
      comment:
        'A file-level import cycle makes module evaluation order matter (ESM bindings read before they are ' +
        'initialised) and the files impossible to understand, test or move one at a time.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-server-folder-cycles',
      severity: 'error',
      comment:
        'The folders of packages/server/src are layers. Two folders that import each other, even through ' +
        'different files and with no file-level cycle, are one layer in disguise.',
      scope: 'folder',
      from: { path: '^packages/server/src/[^/]+' },
      to: { path: '^packages/server/src/[^/]+', circular: true },
    },
    {
      name: 'sdk-never-imports-the-server',
      severity: 'error',
      comment:
        'The API SDK runs inside resource servers: it talks to a tenant over HTTP (JWKS, token endpoint) and ' +
        'must not pull the tenant, its engine or its storage into an API process.',
      from: { path: '^packages/api/src/' },
      to: { path: '^packages/(?!api/)' },
    },
    {
      name: 'testkit-only-in-tests',
      severity: 'error',
      comment:
        'The test fixtures (a tenant with known users and passwords, a scripted browser) must never ship in ' +
        "a package's or an example's production code.",
      from: { path: '^(packages/(?!testkit/)[^/]+/src/|examples/)' },
      to: { path: '^packages/testkit/' },
    },
    {
      name: 'no-reaching-into-another-package',
      severity: 'error',
      comment:
        'A package uses another one only through its name and the entries its `exports` map publishes ' +
        "(`@authmesh/server`, `@authmesh/testkit`), tests included; a relative path into another package's " +
        'folder couples to internals that may move.',
      from: { path: PACKAGE },
      to: { path: PACKAGE, pathNot: '^$1/', dependencyTypes: ['local'], dependencyTypesNot: ['aliased'] },
    },
    {
      name: 'root-uses-packages-by-name',
      severity: 'error',
      comment: 'bench/ and examples/ outside the workspaces follow the same rule as the packages.',
      from: { pathNot: PACKAGE },
      to: { path: PACKAGE, dependencyTypes: ['local'], dependencyTypesNot: ['aliased'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // The rules' own test repository (tests/tooling) breaks every rule on purpose.
    // packages/server/console/ is the console's build output (bundled, minified): its source is packages/console.
    exclude: { path: '(^|/)(node_modules|dist|coverage)/|^tests/tooling/fixtures/|^packages/server/console/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
