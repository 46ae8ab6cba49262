#!/usr/bin/env node
// The `authmesh` command. Plain JavaScript so that it starts on any Node; the real work is TypeScript,
// which Node 24 runs directly (type stripping). Run through npm/npx, `node` is the project's Node 24.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(
    `authmesh needs Node.js 24 or later (this is ${process.version}).\n` +
      'Run it from the repository root with `npx authmesh …` or `npm start`, which use the Node 24 that `npm install` brought.',
  );
  process.exit(1);
}

// node:sqlite is stable in behaviour but still flagged experimental; its one-line warning would only
// confuse people reading the tenant's output. Every other warning still prints.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === 'string' ? warning : warning?.message;
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (type === 'ExperimentalWarning' && /SQLite/.test(String(text))) return;
  return emitWarning.call(process, warning, ...rest);
};

const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
