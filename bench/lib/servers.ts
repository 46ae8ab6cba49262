/**
 * The servers a benchmark measures, each in its own child process: the load generator in the parent then does
 * not share an event loop with the server, and the server's CPU can be read from /proc on its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface BenchServer {
  child: ChildProcess;
  pid: number;
  /** The first line the server printed on stdout (its URL, or what the script says it prints), trimmed. */
  firstLine: string;
}

// A benchmark that throws or is interrupted must not leave servers behind holding ports and CPU.
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * Starts `script` (an absolute path) with NODE_ENV=production and `env` on top of this process's environment,
 * and resolves once it printed its first line; `name` says which server failed if it exits before that.
 */
export async function startBenchServer(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv = {},
): Promise<BenchServer> {
  const child = spawn(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      // Node flags for every server of a run (`--cpu-prof`, `--max-semi-space-size=8`, …): flags Node refuses
      // in NODE_OPTIONS (`--trace-gc`) go here too.
      ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      script,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env, NODE_ENV: 'production' },
    },
  );
  children.add(child);
  const lines = createInterface({ input: child.stdout! });
  const firstLine = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`${name} server exited (${code}) before printing its URL`)));
  });
  return { child, pid: child.pid!, firstLine };
}

/** Stops a server with SIGTERM and waits until it has exited. */
export async function stopBenchServer(server: BenchServer): Promise<void> {
  const exit = once(server.child, 'exit');
  server.child.kill('SIGTERM');
  await exit;
  children.delete(server.child);
}
