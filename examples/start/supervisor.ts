import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** One child process to run. */
export interface ChildSpec {
  /** Short name, used as the output prefix: `[catalog] …`. */
  name: string;
  /** The Node.js script to run (with this process's Node). */
  script: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** A started child. */
export interface RunningChild {
  readonly name: string;
  /** Set once the child has exited. */
  readonly exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Its last lines of output (both streams), for the message when it dies. */
  recentOutput(): string[];
}

/** Starts children, prefixes their output, reports unexpected exits and stops them all. */
export interface Supervisor {
  /** @throws Error once `stopAll` was called: nothing starts while the system stops. */
  spawn(spec: ChildSpec): RunningChild;
  /** SIGTERM to every child (its process group), SIGKILL after `graceMs`; resolves when all have exited. */
  stopAll(graceMs?: number): Promise<void>;
}

export interface SupervisorOptions {
  /** Show the children's stdout too (stderr is always shown). */
  verbose: boolean;
  /** A child exited while nobody asked it to stop. */
  onUnexpectedExit(child: RunningChild): void;
}

const RECENT_LINES = 30;
const EXIT_WITH_PARENT = new URL('./exit-with-parent.ts', import.meta.url).href;
// Own process group on POSIX: a Ctrl-C in the terminal reaches this process only, which then stops the
// children in order; otherwise they would all get SIGINT at once and race with our handler.
const DETACHED = process.platform !== 'win32';

/**
 * Creates a supervisor.
 *
 * @example
 * const supervisor = createSupervisor({ verbose: false, onUnexpectedExit: (c) => console.error(`${c.name} died`) });
 * supervisor.spawn({ name: 'catalog', script: 'src/main.ts', args: [], cwd, env });
 * await supervisor.stopAll();
 */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const children: { process: ChildProcess; child: RunningChild }[] = [];
  let stopping = false;

  return {
    spawn(spec) {
      if (stopping) throw new Error(`not starting ${spec.name}: the system is stopping`);
      // The IPC channel is not for messages: its closing tells the child that this process is gone.
      const proc = spawn(process.execPath, ['--import', EXIT_WITH_PARENT, spec.script, ...spec.args], {
        cwd: spec.cwd,
        env: spec.env,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        detached: DETACHED,
      });
      const recent: string[] = [];
      let exit: RunningChild['exit'];
      const child: RunningChild = {
        name: spec.name,
        get exit() {
          return exit;
        },
        recentOutput: () => [...recent],
      };
      const relay = (stream: NodeJS.ReadableStream | null, isError: boolean) => {
        if (!stream) return;
        createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
          const prefixed = `[${spec.name}] ${line}`;
          recent.push(prefixed);
          if (recent.length > RECENT_LINES) recent.shift();
          if (isError) console.error(prefixed);
          else if (options.verbose) console.log(prefixed);
        });
      };
      relay(proc.stdout, false);
      relay(proc.stderr, true);
      proc.on('error', (error) => recent.push(`[${spec.name}] could not run: ${error.message}`));
      proc.on('exit', (code, signal) => {
        exit = { code, signal };
        if (!stopping) options.onUnexpectedExit(child);
      });
      children.push({ process: proc, child });
      return child;
    },

    async stopAll(graceMs = 5_000) {
      stopping = true;
      await Promise.all(
        children.map(async ({ process: proc, child }) => {
          if (child.exit || proc.exitCode !== null || proc.signalCode !== null) return;
          const exited = once(proc, 'exit');
          signal(proc, 'SIGTERM');
          const timer = setTimeout(() => signal(proc, 'SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}

/** Signals the child's whole process group (Vite may have children of its own), or just the child. */
function signal(proc: ChildProcess, name: NodeJS.Signals): void {
  try {
    if (DETACHED && proc.pid !== undefined) process.kill(-proc.pid, name);
    else proc.kill(name);
  } catch {
    // Already gone.
  }
}
