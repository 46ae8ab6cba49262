import type { TenantContext } from '../tenant/context.ts';
import { restoreTenantSettings } from './tenant-settings.ts';

/** How long a reload that failed (the database briefly unreachable) waits before it is tried again. */
const RETRY_MS = 1_000;

/**
 * Keeps this process's cached configuration (the registry, the tenant settings) in step with changes other
 * processes make through /api/v2 on the same storage: each announcement reloads both. Announcements arriving
 * during a reload coalesce into one more reload after it, so a burst of writes elsewhere costs two reloads
 * here, not one per write. A failed reload is retried until one succeeds. Returns the stop function.
 */
export function followOtherProcesses(tenant: TenantContext): () => void {
  let running = false;
  let pending = false;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const reload = async () => {
    await tenant.registry.refresh();
    await restoreTenantSettings(tenant);
  };
  const run = () => {
    if (stopped) return;
    if (running) {
      pending = true;
      return;
    }
    running = true;
    pending = false;
    reload().then(
      () => {
        running = false;
        if (pending) run();
      },
      () => {
        running = false;
        clearTimeout(retry);
        retry = setTimeout(run, RETRY_MS);
        // A pending retry must not keep a stopping process alive.
        retry.unref();
      },
    );
  };
  const unsubscribe = tenant.storage.onChange(run);
  return () => {
    stopped = true;
    clearTimeout(retry);
    unsubscribe();
  };
}
