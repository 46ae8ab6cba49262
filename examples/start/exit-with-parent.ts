/**
 * Preloaded into every child of examples/start.ts (`node --import`): the child exits as soon as its IPC
 * channel to start.ts closes. That happens when start.ts dies in any way, kill -9 included, so no API or
 * Vite server is left behind holding its port. A child started on its own has no channel and is unaffected.
 */
process.once('disconnect', () => process.exit(0));
