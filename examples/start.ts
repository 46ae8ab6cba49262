/**
 * `npm start`: the whole reference system on one machine. The tenant (in this process), the three APIs
 * and the SPA (child processes); one block to read when everything answers; Ctrl-C stops all of it.
 *
 * Flags: `--cross-site` (tenant on 127.0.0.1, not same-site with the SPA on localhost), `--verbose` (all
 * child output), `--help`. Ports: AUTHMESH_PORT, SPA_PORT, CATALOG_PORT, ORDERS_PORT, INVENTORY_PORT.
 */

// node:sqlite (the tenant's storage) is flagged experimental on Node 24; its warning would only confuse
// people reading the output. Installed before the tenant's modules load, hence the dynamic import below.
const emitWarning = process.emitWarning;
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if (type === 'ExperimentalWarning' && /SQLite/.test(text)) return;
  return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
}) as typeof process.emitWarning;

const { main } = await import('./start/main.ts');
// Exit explicitly: keep-alive sockets of the readiness checks must not hold the process open.
process.exit(await main(process.argv.slice(2)));
