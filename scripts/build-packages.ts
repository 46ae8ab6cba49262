/**
 * Builds the installable packages: `npx node scripts/build-packages.ts` (or `npm run build:packages`).
 *
 * The workspace runs on TypeScript sources (Node strips types there), but Node refuses to strip types under
 * `node_modules`, so what is published is compiled JavaScript. For each package this compiles `src/` (and the
 * CLI's `bin/`) with `build-packages.tsconfig.json` into `packages/<pkg>/dist/`, which is the publishable package root:
 * ESM JavaScript with declarations and source maps (sources inlined, so the maps work without the `.ts`
 * files), every non-TypeScript file of `src/` (the server's SQL migrations) copied alongside, and a
 * `package.json` whose `exports` point at the JavaScript. `dist/` is gitignored; nothing here changes the
 * workspace, which keeps running on sources.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

/**
 * The packages, in dependency order. Each one's `engines` comes from its own package.json and is the truth
 * the pack-and-install test checks: the SDK supports Node 22 and 24, the tenant (and what embeds it) 24.7+.
 */
const PACKAGES = ['packages/api', 'packages/server', 'packages/testing', 'packages/cli'] as const;

type ExportTarget = string | Record<string, string>;
interface SourceManifest {
  name: string;
  version: string;
  description?: string;
  type?: string;
  license?: string;
  engines: { node: string };
  sideEffects?: boolean | string[];
  bin?: Record<string, string>;
  exports: Record<string, ExportTarget>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, unknown>;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

/** `./src/x.ts` → `./src/x.js`: the compiled file of a source path named in package.json. */
function compiled(path: string, extension: '.js' | '.d.ts' = '.js'): string {
  return path.replace(/\.ts$/, extension);
}

/**
 * tsc rewrites `.ts` specifiers in emitted JavaScript but not in declarations, and never inside
 * `new URL('./worker.ts', import.meta.url)` (a path, not an import): both would name files that are not shipped.
 */
function rewriteSpecifiers(distDir: string): void {
  for (const file of walk(distDir)) {
    if (file.endsWith('.d.ts')) {
      const text = readFileSync(file, 'utf8');
      const rewritten = text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g, '$1$2$3.js$2');
      if (rewritten !== text) writeFileSync(file, rewritten);
    } else if (file.endsWith('.js')) {
      const text = readFileSync(file, 'utf8');
      const rewritten = text.replace(
        /new URL\((['"])(\.{1,2}\/[^'"]+)\.ts\1, import\.meta\.url\)/g,
        'new URL($1$2.js$1, import.meta.url)',
      );
      if (rewritten !== text) writeFileSync(file, rewritten);
    }
  }
}

/** Files Node reads at run time next to the code (SQL migrations, …): everything in src/ that is not TypeScript. */
function copyAssets(packageDir: string, distDir: string): void {
  const srcDir = join(packageDir, 'src');
  for (const file of walk(srcDir)) {
    if (file.endsWith('.ts')) continue;
    const target = join(distDir, relative(packageDir, file));
    cpSync(file, target);
  }
}

function publishManifest(source: SourceManifest, hasBin: boolean, hasConsole: boolean): Record<string, unknown> {
  const exports: Record<string, ExportTarget> = {};
  for (const [subpath, target] of Object.entries(source.exports)) {
    exports[subpath] =
      typeof target === 'string' && target.endsWith('.ts')
        ? { types: compiled(target, '.d.ts'), default: compiled(target) }
        : target;
  }
  const dependencies = { ...source.dependencies };
  for (const name of Object.keys(dependencies)) {
    // The packages are released together: each depends on the others at exactly its own version.
    if (name.startsWith('@authmesh/')) dependencies[name] = source.version;
  }
  const sideEffects = Array.isArray(source.sideEffects)
    ? source.sideEffects.map((path) => compiled(path))
    : source.sideEffects;
  return {
    name: source.name,
    version: source.version,
    description: source.description,
    type: source.type,
    license: source.license,
    sideEffects,
    ...(source.bin ? { bin: source.bin } : {}),
    exports,
    files: ['src', ...(hasBin ? ['bin'] : []), ...(hasConsole ? ['console'] : []), 'README.md'],
    engines: source.engines,
    dependencies,
    ...(source.peerDependencies ? { peerDependencies: source.peerDependencies } : {}),
    ...(source.peerDependenciesMeta ? { peerDependenciesMeta: source.peerDependenciesMeta } : {}),
  };
}

/** Builds every package; returns the dist directories (the publishable roots), in dependency order. */
export async function buildPackages(): Promise<string[]> {
  const staging = join(ROOT, 'packages', '.build');
  rmSync(staging, { recursive: true, force: true });
  for (const dir of PACKAGES) rmSync(join(ROOT, dir, 'dist'), { recursive: true, force: true });
  // The server ships the console's built app (packages/server/console/, git-ignored): build it from
  // packages/console now, so a package is never packed with a missing or stale console.
  await run(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'packages/console']);
  // One program for all packages (build-packages.tsconfig.json): the server's types are checked once, not
  // again for each package that imports it. It emits packages/.build/<pkg>/, moved to packages/<pkg>/dist/.
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', join(import.meta.dirname, 'build-packages.tsconfig.json')]);
  for (const dir of PACKAGES) renameSync(join(staging, basename(dir)), join(ROOT, dir, 'dist'));
  rmSync(staging, { recursive: true, force: true });
  const roots: string[] = [];
  for (const dir of PACKAGES) {
    const packageDir = join(ROOT, dir);
    const distDir = join(packageDir, 'dist');
    rewriteSpecifiers(distDir);
    copyAssets(packageDir, distDir);
    const source = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as SourceManifest;
    const hasBin = existsSync(join(distDir, 'bin'));
    const consoleDir = join(packageDir, 'console');
    const hasConsole = existsSync(consoleDir);
    if (hasConsole) cpSync(consoleDir, join(distDir, 'console'), { recursive: true });
    writeFileSync(
      join(distDir, 'package.json'),
      `${JSON.stringify(publishManifest(source, hasBin, hasConsole), null, 2)}\n`,
    );
    cpSync(join(packageDir, 'README.md'), join(distDir, 'README.md'));
    roots.push(distDir);
  }
  return roots;
}

if (process.argv[1] && dirname(process.argv[1]) === import.meta.dirname) {
  const roots = await buildPackages();
  for (const root of roots) console.log(`built ${relative(ROOT, root)}`);
}
