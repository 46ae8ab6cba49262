import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { type AuthVariables, auth, claimCheck, requirePermissions, requireScopes } from '../../src/hono.ts';
import { crashingCheck, describeAdapterContract, describeCaller, isMachineToken } from './contract.ts';

describeAdapterContract('hono', async (options) => {
  const ok = (c: Context) => c.json({ ok: true });
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/public', ok);
  app.get('/forgot-auth', requireScopes('read:catalog'), ok);
  // Registered after /public and /forgot-auth: those answer first and never reach it.
  app.use(auth(options));
  app.get('/me', (c) => c.json(describeCaller(c.get('auth'))));
  app.get('/catalog', requireScopes('read:catalog'), ok);
  app.post('/stock', requireScopes('adjust:stock'), ok);
  app.get('/any', requireScopes(['adjust:stock', 'read:catalog'], { match: 'any' }), ok);
  app.get('/perm', requirePermissions('read:catalog'), ok);
  app.get('/m2m-only', claimCheck(isMachineToken, 'Machine tokens only'), ok);
  app.get('/crash', claimCheck(crashingCheck), ok);
  // Hono's default onError logs to the console; the /crash case only needs its 500.
  app.onError((_error, c) => c.text('Internal Server Error', 500));
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve({ server: started, port: info.port }),
    );
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});
