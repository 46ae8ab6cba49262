import type { TriggerId } from '../config/types.ts';

/*
 * The messages between the tenant and the actions worker (actions/worker.ts). Only structured-cloneable
 * data crosses: the worker never sees the tenant's storage, keys or registry, only the event it is given.
 */

/** What the worker needs to load one action. */
export interface ActionModuleSpec {
  name: string;
  code: string;
  /** The file the code came from (stack traces and syntax errors name it), or `<resolveFrom>/action:<name>`. */
  filename: string;
  /** Changes whenever the code or the dependencies change: the worker recompiles on a new key. */
  version: string;
  dependencies: { name: string; version: string }[];
  /** Where `require` resolves declared dependencies from (the config file's folder). */
  resolveFrom: string;
}

/** One cached value of an action (Auth0's `api.cache` record). */
export interface CacheRecord {
  value: string;
  expires_at: number;
}

export interface RunRequest {
  type: 'run';
  id: number;
  trigger: TriggerId;
  /** `onExecutePostLogin`, `onExecuteCredentialsExchange`… */
  handler: string;
  module: ActionModuleSpec;
  event: Record<string, unknown>;
  /** The action's cache as it is now; the worker answers `cache.get` from it and records writes. */
  cache: Record<string, CacheRecord>;
}

/** One `api.*` call, recorded in the worker and applied by the tenant after the action returns. */
export interface ApiCall {
  method: string;
  args: unknown[];
}

export type WorkerMessage =
  /** Sent once, when the worker has loaded and listens: an action's time limit starts from here. */
  | { type: 'ready'; id: 0 }
  | { type: 'log'; id: number; level: 'log' | 'info' | 'warn' | 'error' | 'debug'; message: string }
  | { type: 'done'; id: number; calls: ApiCall[] }
  | { type: 'failed'; id: number; calls: ApiCall[]; load: boolean; message: string; stack: string };
