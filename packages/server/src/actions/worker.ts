/*
 * The actions worker: runs a team's Auth0 Actions away from the tenant's own state. Each action module gets
 * its own `node:vm` context (its globals are its own, as in Auth0's per-action sandbox); the `api` object
 * only records calls, which the tenant applies after the action returns. Started by actions/worker-host.ts;
 * the tenant terminates and replaces it when an action overruns its time limit.
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
import { format } from 'node:util';
import vm from 'node:vm';
import { parentPort } from 'node:worker_threads';
import type { ActionModuleSpec, ApiCall, RunRequest, WorkerMessage } from './protocol.ts';
import { buildApi } from './worker-api.ts';

if (!parentPort) throw new Error('actions/worker.ts runs as a worker thread only');
const port = parentPort;

/** The run a `console.*` call belongs to (several runs may be in flight at once). */
const currentRun = new AsyncLocalStorage<number>();
const loaded = new Map<string, { version: string; exports: Record<string, unknown> }>();
const BUILTINS = new Set(builtinModules);

class LoadError extends Error {}

function send(message: WorkerMessage): void {
  port.postMessage(message);
}

function actionConsole(): Console {
  const line =
    (level: 'log' | 'info' | 'warn' | 'error' | 'debug') =>
    (...args: unknown[]): void => {
      const id = currentRun.getStore();
      if (id !== undefined) send({ type: 'log', id, level, message: format(...args) });
    };
  return {
    ...console,
    log: line('log'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    debug: line('debug'),
    trace: line('debug'),
  } as Console;
}

/** The package a bare specifier names (`@scope/pkg/sub` → `@scope/pkg`), or undefined for a built-in. */
function packageOf(id: string): string | undefined {
  if (BUILTINS.has(id) || id.startsWith('node:')) return undefined;
  return id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : (id.split('/')[0] ?? id);
}

function undeclared(spec: ActionModuleSpec, id: string): Error {
  return new Error(`Cannot find module '${id}': add it to the dependencies of action "${spec.name}"`);
}

/**
 * `import('pkg')` goes through Node's own loader (resolving from the action's file, or from the config
 * folder for code without a file), which cannot be intercepted without experimental flags; so the
 * literal specifiers of the code's `import()` calls are checked against the declared dependencies at load.
 */
function checkImports(spec: ActionModuleSpec): void {
  for (const match of spec.code.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]/g)) {
    const id = match[1] ?? '';
    const pkg = id.startsWith('.') || id.startsWith('/') ? undefined : packageOf(id);
    if (pkg !== undefined && !spec.dependencies.some((d) => d.name === pkg)) {
      throw new LoadError(undeclared(spec, id).message);
    }
  }
}

/** `require` for an action: Node's built-ins and the dependencies it declares, nothing else (as Auth0). */
function actionRequire(spec: ActionModuleSpec): NodeJS.Require {
  const base = createRequire(join(spec.resolveFrom, 'package.json'));
  const declared = new Map(spec.dependencies.map((d) => [d.name, d.version]));
  for (const [name, version] of declared) {
    try {
      base.resolve(name);
    } catch {
      throw new LoadError(
        `action "${spec.name}" depends on ${name}@${version}, which is not installed in ${spec.resolveFrom}: run npm install ${name}@${version}`,
      );
    }
  }
  const require = ((id: string) => {
    const pkg = packageOf(id);
    if (pkg !== undefined && !declared.has(pkg)) throw undeclared(spec, id);
    return base(id);
  }) as NodeJS.Require;
  return Object.assign(require, {
    resolve: base.resolve,
    cache: base.cache,
    main: undefined,
    extensions: base.extensions,
  });
}

function load(spec: ActionModuleSpec): Record<string, unknown> {
  const cached = loaded.get(spec.name);
  if (cached?.version === spec.version) return cached.exports;
  const require = actionRequire(spec);
  checkImports(spec);
  const context = vm.createContext({
    console: actionConsole(),
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    setImmediate,
    clearImmediate,
    queueMicrotask,
    structuredClone,
    Buffer,
    URL,
    URLSearchParams,
    TextEncoder,
    TextDecoder,
    AbortController,
    AbortSignal,
    fetch,
    Headers,
    Request,
    Response,
    crypto,
    process: { env: {}, version: process.version, versions: process.versions, nextTick: process.nextTick },
  });
  let fn: (...args: unknown[]) => unknown;
  try {
    // compileFunction keeps the file's own line numbers (no wrapper line), so errors point at the source.
    fn = vm.compileFunction(spec.code, ['exports', 'require', 'module', '__filename', '__dirname'], {
      filename: spec.filename,
      parsingContext: context,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    }) as (...args: unknown[]) => unknown;
  } catch (error) {
    throw new LoadError(syntaxMessage(spec.filename, error as Error));
  }
  const module = { exports: {} as Record<string, unknown> };
  try {
    fn(module.exports, require, module, spec.filename, spec.resolveFrom);
  } catch (error) {
    if (error instanceof LoadError) throw error;
    const wrapped = new LoadError(`action "${spec.name}" failed to load: ${(error as Error).message}`);
    wrapped.stack = `${wrapped.message}\n${(error as Error).stack ?? ''}`;
    throw wrapped;
  }
  loaded.set(spec.name, { version: spec.version, exports: module.exports });
  return module.exports;
}

/** `SyntaxError: …` with `file:line:column`, from the frame V8 puts at the top of a compile error's stack. */
function syntaxMessage(filename: string, error: Error): string {
  const where = (error.stack ?? '').split('\n').find((l) => l.startsWith(filename));
  return `${error.name}: ${error.message} (${where ?? filename})`;
}

async function run(request: RunRequest): Promise<void> {
  const calls: ApiCall[] = [];
  let exports: Record<string, unknown>;
  try {
    exports = load(request.module);
  } catch (error) {
    const e = error as Error;
    send({ type: 'failed', id: request.id, calls, load: true, message: e.message, stack: e.stack ?? e.message });
    return;
  }
  try {
    const handler = exports[request.handler];
    if (typeof handler === 'function') {
      await currentRun.run(request.id, () => handler(request.event, buildApi(request, calls)));
    }
    send({ type: 'done', id: request.id, calls });
  } catch (error) {
    // Errors thrown in an action's vm context are not `instanceof Error` of this realm: read them by shape.
    const e = isErrorLike(error) ? error : new Error(String(error));
    send({ type: 'failed', id: request.id, calls, load: false, message: e.message, stack: e.stack ?? e.message });
  }
}

function isErrorLike(value: unknown): value is Error {
  return typeof value === 'object' && value !== null && typeof (value as Error).message === 'string';
}

port.on('message', (request: RunRequest) => {
  void run(request);
});
send({ type: 'ready', id: 0 });
