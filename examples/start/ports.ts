import { createServer } from 'node:net';
import { PORTS, type Service } from './settings.ts';

/**
 * Checks that every port is free before anything starts, so that a busy port is one clear message
 * instead of a child process dying halfway through. IPv6 loopback is checked too: the browser may reach
 * `localhost` there, and something listening on [::1] would answer in place of our service.
 *
 * @throws Error naming each busy port, what it was for and the variable that moves it.
 */
export async function assertPortsFree(ports: Record<Service, number>): Promise<void> {
  const problems: string[] = [];
  for (const [service, port] of Object.entries(ports) as [Service, number][]) {
    const problem = (await probe(port, '127.0.0.1')) ?? (await probe(port, '::1'));
    if (!problem) continue;
    const { env, label } = PORTS[service];
    problems.push(
      `port ${port} (${label}) ${problem}. Fix: stop what is using it, or choose another port: ${env}=${port + 10} npm start`,
    );
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

/** Undefined when the port can be bound (or the address family does not exist here), else why not. */
function probe(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve('is already in use');
      else if (error.code === 'EACCES') resolve('may not be used by this user');
      else resolve(undefined); // e.g. EADDRNOTAVAIL: no IPv6 on this machine
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
