/**
 * A bench target: authmesh with the server test fixture and the console as CONSOLE says (`off`: no console,
 * `loopback`: the console of `authmesh dev`, whose stream carries the tokens themselves). Real SQLite in a
 * temp dataDir. Prints its URL as the first stdout line; removes the dataDir on SIGTERM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTenant } from '@authmesh/server';
import { fixtureConfig } from '@authmesh/testkit';

const mode = process.env.CONSOLE ?? 'off';
if (mode !== 'off' && mode !== 'loopback') throw new Error(`CONSOLE must be off or loopback, not ${mode}`);
const dataDir = mkdtempSync(join(tmpdir(), 'authmesh-bench-console-'));
const tenant = await createTenant({
  config: fixtureConfig(),
  port: 0,
  dataDir,
  ...(mode === 'loopback' ? { console: { access: 'loopback' as const } } : {}),
  onError: (error) => console.error('authmesh server_error:', error),
});
console.log(tenant.url);

process.on('SIGTERM', () => {
  void tenant.close().finally(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
