/**
 * The login side of `burst.ts`, in a process of its own: the browser logins' client work (fetch, cookies,
 * HTML) then never delays the client-credentials loops of the parent in their shared event loop, so the
 * latency the parent measures is the tenant's. Driven over IPC: `{ type: 'record' }` opens the measured
 * window, `{ type: 'stop' }` ends it and is answered with the LoginLoadResult. Settings from the environment:
 * BURST_ISSUER, BURST_PASSWORD, BURST_USERS, BURST_CONNECTIONS.
 */
import { SPA } from '../token-endpoint/fixture.ts';
import { startLoginLoad } from './login-load.ts';

const send = process.send?.bind(process);
if (!send) throw new Error('login-burst-client.ts runs as a child process of burst.ts (IPC)');

const users = Number(process.env.BURST_USERS ?? 4);
const load = startLoginLoad({
  issuer: process.env.BURST_ISSUER ?? '',
  ...SPA,
  usernames: Array.from({ length: users }, (_, i) => `user${i}@bench.test`),
  password: process.env.BURST_PASSWORD ?? '',
  connections: Number(process.env.BURST_CONNECTIONS ?? 20),
});

process.on('message', (message: { type: 'record' | 'stop' }) => {
  if (message.type === 'record') load.record();
  else
    void load.stop().then((result) => {
      // Exits at once: undici's idle keep-alive sockets would keep it alive for seconds.
      send(result, () => process.exit(0));
    });
});
send({ type: 'started' });
