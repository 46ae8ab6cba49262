#!/usr/bin/env node
// The `authmesh` command. Plain JavaScript so that it starts on any Node; the real work is TypeScript,
// which Node 24 runs directly in this repository (type stripping) and which the published package carries
// compiled (scripts/build-packages.ts). Run through npm/npx, `node` is the project's Node 24.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 24 || (major === 24 && minor < 7)) {
  console.error(
    `authmesh needs Node.js 24 or later (at least 24.7; this is ${process.version}).\n` +
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

// `npx authmesh …` runs this file under `sh -c`, a child of npm. A SIGTERM sent to the npx process (what a
// supervisor or test runner holding its pid sends) ends npm and the shell but is not passed on, which would
// leave the tenant running, orphaned, on its port. So when started by `npm exec`/`npx`, the tenant follows the
// lifetime of the process that started it: once that parent is gone (we were re-parented), stop as on
// SIGTERM. Run directly (`node_modules/.bin/authmesh`, `exec authmesh` in a script, a service manager),
// signals reach this process and nothing here applies.
if (process.env.npm_command === 'exec') {
  const startedBy = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === startedBy) return;
    clearInterval(watch);
    console.log('authmesh: the npx process that started this command is gone, stopping');
    process.kill(process.pid, 'SIGTERM');
  }, 250);
  // Watching must never be what keeps the process alive.
  watch.unref();
}

const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
