import { join } from 'node:path';
import type { Tenant } from '@authmesh/server';
import { formatBanner } from './banner.ts';
import { API_DIRS, apiEnv, spaEnv, viteBin } from './child-env.ts';
import { assertPortsFree } from './ports.ts';
import { readSettings, type Settings, SettingsError, USAGE } from './settings.ts';
import { createSupervisor, type RunningChild } from './supervisor.ts';
import { loadConfig, startTenant } from './tenant.ts';
import { waitUntilAnswers } from './wait.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..');

/**
 * Runs the reference system until Ctrl-C (exit code 0) or until a process dies (1). Every failure before
 * that (bad flags, a busy port, a broken tenant.yaml) is one message and exit code 1; nothing is left
 * running in any case.
 */
export async function main(argv: string[]): Promise<number> {
  let settings: Settings;
  try {
    settings = readSettings(argv, process.env, REPO_ROOT);
    if (settings.help) {
      console.log(USAGE);
      return 0;
    }
    await assertPortsFree(settings.ports);
  } catch (error) {
    console.error(`npm start: ${(error as Error).message}`);
    return error instanceof SettingsError ? 2 : 1;
  }

  let finished = false;
  const outcome = Promise.withResolvers<number>();
  const stopping = new AbortController();
  const finish = (code: number, message?: string) => {
    if (finished) return;
    finished = true;
    if (message) (code === 0 ? console.log : console.error)(message);
    stopping.abort();
    outcome.resolve(code);
  };
  const onSignal = (signal: NodeJS.Signals) => finish(0, `\n${signal} received: stopping everything`);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const supervisor = createSupervisor({
    verbose: settings.verbose,
    onUnexpectedExit: (child) => finish(1, diedMessage(child)),
  });
  let tenant: Tenant | undefined;
  const startup = (async () => {
    const spaOrigin = `http://localhost:${settings.ports.spa}`;
    const host = settings.crossSite ? '127.0.0.1' : 'localhost';
    const config = await loadConfig(settings.tenantFile, spaOrigin);
    const started = await startTenant(config, {
      port: settings.ports.tenant,
      issuer: `http://${host}:${settings.ports.tenant}/`,
      dataDir: settings.dataDir,
    });
    tenant = started.tenant;
    stopping.signal.throwIfAborted();
    const urls = {
      spa: `${spaOrigin}/`,
      catalog: `http://localhost:${settings.ports.catalog}`,
      orders: `http://localhost:${settings.ports.orders}`,
      inventory: `http://localhost:${settings.ports.inventory}`,
    };
    const ready: Promise<void>[] = [];
    for (const api of ['catalog', 'orders', 'inventory'] as const) {
      const child = supervisor.spawn({
        name: api,
        script: join(REPO_ROOT, 'examples', API_DIRS[api], 'src', 'main.ts'),
        args: [],
        cwd: join(REPO_ROOT, 'examples', API_DIRS[api]),
        env: apiEnv(api, started.facts, { port: settings.ports[api], catalogUrl: urls.catalog, spaOrigin }),
      });
      ready.push(waitUntilAnswers(`${urls[api]}/health`, child, { signal: stopping.signal }));
    }
    if (settings.withSpa) {
      const vite = supervisor.spawn({
        name: 'spa',
        script: viteBin(settings.spaDir),
        args: ['--port', String(settings.ports.spa), '--strictPort', '--host', 'localhost'],
        cwd: settings.spaDir,
        env: spaEnv(started.facts, urls),
      });
      ready.push(waitUntilAnswers(urls.spa, vite, { signal: stopping.signal }));
    }
    await Promise.all(ready);
    stopping.signal.throwIfAborted();
    console.log(
      formatBanner({
        readyMs: Math.round(performance.now()),
        facts: started.facts,
        urls,
        crossSite: settings.crossSite,
        ...(settings.spaSkipped ? { spaSkipped: settings.spaSkipped } : {}),
      }),
    );
  })();
  startup.catch((error: Error) => finish(1, `npm start: ${error.message}; stopping everything`));

  const code = await outcome.promise;
  await supervisor.stopAll();
  // The tenant may still have been starting when the stop came: let it finish, then close it.
  await startup.catch(() => {});
  await tenant?.close();
  console.log(code === 0 ? 'Stopped.' : 'Stopped (exit code 1).');
  return code;
}

function diedMessage(child: RunningChild): string {
  const how = child.exit?.signal ? `was killed by ${child.exit.signal}` : `exited with code ${child.exit?.code}`;
  const output = child.recentOutput();
  const tail = output.length > 0 ? `\nIts last output:\n${output.map((l) => `  ${l}`).join('\n')}` : '';
  return `npm start: ${child.name} ${how} unexpectedly; stopping everything.${tail}`;
}
