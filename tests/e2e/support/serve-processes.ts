import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export { freePort } from '@authmesh/testkit';

/** The repository's root, where the `authmesh` command is installed. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** The `authmesh` command as a user runs it. */
export const BIN = join(REPO, 'node_modules', '.bin', 'authmesh');

/** The environment for `authmesh` child processes: the repo's bin on PATH, and no NODE_OPTIONS from the test runner. */
export function cliEnv(): NodeJS.ProcessEnv {
  const vars: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${join(REPO, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`,
  };
  delete vars.NODE_OPTIONS;
  return vars;
}

type Child = ChildProcessByStdio<null, Readable, Readable>;

/**
 * `authmesh serve` processes (several on one database, as behind a load balancer): `serve` starts one and
 * resolves with its address once it is ready (its ready line), or rejects if it exits first; `stop` ends them all.
 */
export function serveProcesses() {
  const children: Child[] = [];
  return {
    async serve(options: { config: string; database: string; port: number; issuer: string }): Promise<string> {
      const { config, database, port, issuer } = options;
      const child = spawn(
        BIN,
        [
          'serve',
          '--config',
          config,
          '--database',
          database,
          '--port',
          String(port),
          '--issuer',
          issuer,
          '--insecure-http',
        ],
        { cwd: REPO, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.push(child);
      child.stderr.resume();
      await new Promise<void>((resolve, reject) => {
        let stdout = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          stdout += chunk;
          if (stdout.includes('"msg":"authmesh tenant ready"')) resolve();
        });
        child.once('exit', (code) =>
          reject(new Error(`authmesh serve exited (${code}) before it was ready: ${stdout}`)),
        );
      });
      return `http://127.0.0.1:${port}/`;
    },
    async stop(): Promise<void> {
      for (const child of children) {
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          await once(child, 'exit');
        }
      }
    },
  };
}
