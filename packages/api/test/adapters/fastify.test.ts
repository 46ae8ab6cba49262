import Fastify, { type FastifyInstance } from 'fastify';
import { authmeshAuth, claimCheck, requirePermissions, requireScopes } from '../../src/fastify.ts';
import { crashingCheck, describeAdapterContract, describeCaller, isMachineToken, type RunningApp } from './contract.ts';

const ok = async () => ({ ok: true });

async function listen(app: FastifyInstance): Promise<RunningApp> {
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}

// The default (global: true), registered in a child context: its onRequest hook covers that context's
// routes only, so /public and /forgot-auth at the root stay outside it.
describeAdapterContract('fastify (global hook in a child context)', async (options) => {
  const app = Fastify();
  app.get('/public', ok);
  app.get('/forgot-auth', { preHandler: requireScopes('read:catalog') }, ok);
  await app.register(async (api) => {
    await api.register(authmeshAuth, options);
    api.get('/me', async (request) => (request.auth ? describeCaller(request.auth) : null));
    api.get('/catalog', { preHandler: requireScopes('read:catalog') }, ok);
    api.post('/stock', { preHandler: requireScopes('adjust:stock') }, ok);
    api.get('/any', { preHandler: requireScopes(['adjust:stock', 'read:catalog'], { match: 'any' }) }, ok);
    api.get('/perm', { preHandler: requirePermissions('read:catalog') }, ok);
    api.get('/m2m-only', { preHandler: claimCheck(isMachineToken, 'Machine tokens only') }, ok);
    api.get('/crash', { preHandler: claimCheck(crashingCheck) }, ok);
  });
  return listen(app);
});

// global: false at the root: each protected route names app.authenticate itself.
describeAdapterContract('fastify (global: false, per-route authenticate)', async (options) => {
  const app = Fastify();
  await app.register(authmeshAuth, { ...options, global: false });
  const protect = { onRequest: app.authenticate };
  app.get('/public', ok);
  app.get('/forgot-auth', { preHandler: requireScopes('read:catalog') }, ok);
  app.get('/me', protect, async (request) => (request.auth ? describeCaller(request.auth) : null));
  app.get('/catalog', { ...protect, preHandler: requireScopes('read:catalog') }, ok);
  app.post('/stock', { ...protect, preHandler: requireScopes('adjust:stock') }, ok);
  app.get('/any', { ...protect, preHandler: requireScopes(['adjust:stock', 'read:catalog'], { match: 'any' }) }, ok);
  app.get('/perm', { ...protect, preHandler: requirePermissions('read:catalog') }, ok);
  app.get('/m2m-only', { ...protect, preHandler: claimCheck(isMachineToken, 'Machine tokens only') }, ok);
  app.get('/crash', { ...protect, preHandler: claimCheck(crashingCheck) }, ok);
  return listen(app);
});
