import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { auth, claimCheck, requirePermissions, requireScopes } from '../../src/express.ts';
import { crashingCheck, describeAdapterContract, describeCaller, isMachineToken } from './contract.ts';

describeAdapterContract('express', async (options) => {
  const ok = (_req: express.Request, res: express.Response) => {
    res.json({ ok: true });
  };
  const app = express();
  app.get('/public', ok);
  app.get('/forgot-auth', requireScopes('read:catalog'), ok);
  app.use(auth(options));
  app.get('/me', (req, res) => {
    res.json(req.auth ? describeCaller(req.auth) : null);
  });
  app.get('/catalog', requireScopes('read:catalog'), ok);
  app.post('/stock', requireScopes('adjust:stock'), ok);
  app.get('/any', requireScopes(['adjust:stock', 'read:catalog'], { match: 'any' }), ok);
  app.get('/perm', requirePermissions('read:catalog'), ok);
  app.get('/m2m-only', claimCheck(isMachineToken, 'Machine tokens only'), ok);
  app.get('/crash', claimCheck(crashingCheck), ok);
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});
