/** The test side of the two-process Redis tests: starts a worker script (see ./redis-worker.ts) and reads its lines. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export type WorkerMessage = { type: string; event?: string; tokens?: string[] };

export function startWorker(script: URL, env: Record<string, string>) {
  const path = fileURLToPath(script);
  const name = path.split('/').pop()?.replace(/\.ts$/, '') ?? 'worker';
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', path], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const messages: WorkerMessage[] = [];
  const waiting: { match: (m: WorkerMessage) => boolean; resolve: (m: WorkerMessage) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as WorkerMessage;
    messages.push(message);
    for (const waiter of waiting.filter((w) => w.match(message))) {
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve(message);
    }
  });
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return {
    messages,
    exit,
    next(match: (m: WorkerMessage) => boolean): Promise<WorkerMessage> {
      const seen = messages.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiting.push({ match, resolve });
        exit.then((code) => reject(new Error(`${name} exited (code ${code}) before the expected message`)));
      });
    },
    go: () => child.stdin.write('go\n'),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
