import { dirname, join } from 'node:path';
import type { KeywordEnv, KeywordMappings } from '../config/keywords.ts';
import type { TriggerId } from '../config/types.ts';
import type { Storage } from '../storage/contract.ts';
import type { ActionRecord, UserRecord } from '../tenant/records.ts';
import type { TenantRegistry } from '../tenant/registry.ts';
import { MAX_CUSTOM_CLAIMS_BYTES, restrictedClaimReason } from './claims.ts';
import { CodeReloader } from './code-reload.ts';
import { AccessDeniedByAction } from './errors.ts';
import type { ApiCall } from './protocol.ts';
import { TriggerCaches } from './trigger-cache.ts';
import type {
  ActionLogLine,
  ActionRunner,
  CredentialsExchangeEvent,
  CredentialsExchangeResult,
  PostChangePasswordEvent,
  PostLoginEvent,
  PostLoginResult,
  PostLoginResume,
  PostUserRegistrationEvent,
  PreUserRegistrationEvent,
  PreUserRegistrationResult,
} from './types.ts';
import { ActionWorker } from './worker-host.ts';

/**
 * Auth0's execution limit ("Actions limitations": 20 seconds), which applies to a whole flow: all the
 * actions bound to one trigger, run one after the other, share it.
 */
export const DEFAULT_ACTION_TIMEOUT_MS = 20_000;

export interface ActionRunnerOptions {
  registry: TenantRegistry;
  storage: Storage;
  /** Time limit of one flow (all actions of one trigger run); Auth0's 20 s by default (tests pass a short one). */
  timeoutMs?: number;
  /** Where declared dependencies are resolved from: the config file's folder (its `node_modules`). */
  resolveFrom: string;
  /** Receives the actions' `console.*` lines, failures with their stacks, and notes on ignored calls. */
  onLog?: (line: ActionLogLine) => void;
  /**
   * The `##KEY##` / `@@KEY@@` values an edited action file is re-read with, as the config loader read it
   * first (the Deploy CLI replaces keywords inside action code). Without it, edited files are used as written.
   */
  keywords?: { env: KeywordEnv; mappings: KeywordMappings };
}

const HANDLERS: Record<TriggerId, string> = {
  'post-login': 'onExecutePostLogin',
  'credentials-exchange': 'onExecuteCredentialsExchange',
  'pre-user-registration': 'onExecutePreUserRegistration',
  'post-user-registration': 'onExecutePostUserRegistration',
  'post-change-password': 'onExecutePostChangePassword',
};

/**
 * Runs a tenant's actions in one worker thread (actions/worker.ts), a fresh `node:vm` context per action
 * module, with one time limit per flow (the actions of one trigger run share it). An overrun terminates the worker; the next run starts a new one,
 * so a hung action never stops the tenant. Code from a file is re-read when the file's mtime changes
 * (edit, log in again: no restart).
 */
export class WorkerActionRunner implements ActionRunner {
  readonly #options: ActionRunnerOptions;
  readonly #worker: ActionWorker;
  readonly #code: CodeReloader;
  readonly #cache = new TriggerCaches();

  constructor(options: ActionRunnerOptions) {
    this.#options = options;
    this.#worker = new ActionWorker();
    this.#code = new CodeReloader(options.keywords);
  }

  /** When a flow starting now must have finished (epoch milliseconds). */
  #deadline(): number {
    return Date.now() + (this.#options.timeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS);
  }

  has(trigger: TriggerId): boolean {
    return this.#options.registry.boundActions(trigger).length > 0;
  }

  async postLogin(input: Omit<PostLoginEvent, 'secrets'>, resume?: PostLoginResume): Promise<PostLoginResult> {
    // A continued login keeps what the actions before the redirect set.
    const empty: PostLoginResult = { idTokenClaims: {}, accessTokenClaims: {}, scopeChanges: [] };
    const { redirect: _paused, ...before } = resume?.result ?? empty;
    const result: PostLoginResult = structuredClone(before);
    let actions = this.#options.registry.boundActions('post-login');
    if (resume) {
      // Continue with the action that redirected (its onContinuePostLogin), then the ones after it.
      const at = actions.findIndex((a) => a.name === resume.action);
      if (at === -1) {
        throw new AccessDeniedByAction('ERR_ACTION_FAILED', {
          action: resume.action,
          reason: 'the action that redirected is no longer bound to post-login',
        });
      }
      actions = actions.slice(at);
    }
    if (actions.length === 0) return result;
    const user = structuredClone(input.user);
    const changed = { app: false, user: false };
    // Auth0 post-login v3: a redirect in a non-interactive flow fails with interaction_required.
    const interactive = input.transaction.protocol.startsWith('oidc-');
    const deadline = this.#deadline();
    try {
      for (const [index, action] of actions.entries()) {
        const handler = resume && index === 0 ? 'onContinuePostLogin' : undefined;
        const calls = await this.#run(action, 'post-login', { ...input, user }, deadline, handler);
        let denied: string | undefined;
        let redirect: string | undefined;
        for (const { method, args } of calls) {
          const [a, b] = args;
          switch (method) {
            case 'access.deny':
              denied = String(a ?? '');
              break;
            case 'accessToken.setCustomClaim':
              this.#setClaim(result.accessTokenClaims, action, 'post-login', a, b);
              break;
            case 'idToken.setCustomClaim':
              this.#setClaim(result.idTokenClaims, action, 'post-login', a, b);
              break;
            case 'accessToken.addScope':
              result.scopeChanges.push({ op: 'add', scope: String(a) });
              break;
            case 'accessToken.removeScope':
              result.scopeChanges.push({ op: 'remove', scope: String(a) });
              break;
            case 'user.setAppMetadata':
              setMetadata(user.app_metadata, a, b);
              changed.app = true;
              break;
            case 'user.setUserMetadata':
              setMetadata(user.user_metadata, a, b);
              changed.user = true;
              break;
            case 'redirect.sendUserTo':
              if (!interactive) {
                throw new AccessDeniedByAction('ERR_ACTION_DENIED', {
                  action: action.name,
                  reason: `api.redirect.sendUserTo needs an interactive login (not ${input.transaction.protocol})`,
                  oauthError: 'interaction_required',
                });
              }
              redirect = redirectUrl(action.name, a, b);
              break;
            case 'multifactor.enable':
            case 'authentication.challengeWith':
            case 'authentication.challengeWithAny':
              this.#log(
                action.name,
                'post-login',
                'warn',
                `${method} is not emulated by authmesh: the login continues without a second factor`,
              );
              break;
            case 'cache.set':
            case 'cache.delete':
              this.#cache.apply('post-login', method, args);
              break;
            default:
              this.#log(action.name, 'post-login', 'warn', `api.${method} is not emulated by authmesh: ignored`);
          }
        }
        if (denied !== undefined) {
          throw new AccessDeniedByAction('ERR_ACTION_DENIED', { action: action.name, reason: denied });
        }
        if (redirect !== undefined) {
          // The flow pauses after this action; the rest run when the browser comes back to /continue.
          result.redirect = { url: redirect, action: action.name };
          break;
        }
      }
    } finally {
      // Auth0 batches metadata changes and applies them after the flow, also when an action denies.
      if (changed.app || changed.user)
        await this.#persistMetadata(user.user_id, user.app_metadata, user.user_metadata, changed);
    }
    return result;
  }

  async credentialsExchange(input: Omit<CredentialsExchangeEvent, 'secrets'>): Promise<CredentialsExchangeResult> {
    const result: CredentialsExchangeResult = { accessTokenClaims: {} };
    const deadline = this.#deadline();
    for (const action of this.#options.registry.boundActions('credentials-exchange')) {
      const calls = await this.#run(action, 'credentials-exchange', input, deadline);
      for (const { method, args } of calls) {
        const [a, b] = args;
        if (method === 'access.deny') {
          // Auth0's credentials-exchange `api.access.deny(code, reason)`: the code is the OAuth error.
          throw new AccessDeniedByAction('ERR_ACTION_DENIED', {
            action: action.name,
            reason: String(b ?? ''),
            oauthError: String(a ?? 'access_denied'),
          });
        }
        if (method === 'accessToken.setCustomClaim') {
          this.#setClaim(result.accessTokenClaims, action, 'credentials-exchange', a, b);
        } else if (method === 'cache.set' || method === 'cache.delete')
          this.#cache.apply('credentials-exchange', method, args);
      }
    }
    return result;
  }

  async preUserRegistration(input: Omit<PreUserRegistrationEvent, 'secrets'>): Promise<PreUserRegistrationResult> {
    const result: PreUserRegistrationResult = { app_metadata: {}, user_metadata: {} };
    const deadline = this.#deadline();
    for (const action of this.#options.registry.boundActions('pre-user-registration')) {
      const calls = await this.#run(action, 'pre-user-registration', input, deadline);
      for (const { method, args } of calls) {
        const [a, b] = args;
        if (method === 'access.deny') {
          // Auth0's pre-user-registration `api.access.deny(reason, userMessage)`.
          throw new AccessDeniedByAction('ERR_ACTION_DENIED', {
            action: action.name,
            reason: String(a ?? ''),
            userMessage: String(b ?? a ?? ''),
          });
        }
        if (method === 'validation.error') {
          throw new AccessDeniedByAction('ERR_ACTION_DENIED', {
            action: action.name,
            reason: String(b ?? a ?? ''),
            oauthError: String(a ?? 'invalid_request'),
            userMessage: String(b ?? ''),
          });
        }
        if (method === 'user.setAppMetadata') setMetadata(result.app_metadata, a, b);
        else if (method === 'user.setUserMetadata') setMetadata(result.user_metadata, a, b);
        else if (method === 'cache.set' || method === 'cache.delete')
          this.#cache.apply('pre-user-registration', method, args);
      }
    }
    return result;
  }

  postUserRegistration(input: Omit<PostUserRegistrationEvent, 'secrets'>): Promise<void> {
    return this.#afterTheFact('post-user-registration', input);
  }

  postChangePassword(input: Omit<PostChangePasswordEvent, 'secrets'>): Promise<void> {
    return this.#afterTheFact('post-change-password', input);
  }

  close(): Promise<void> {
    return this.#worker.close();
  }

  /** Triggers that run after the fact: a failure is logged (by #run), never reported to the user. */
  async #afterTheFact(trigger: TriggerId, input: object): Promise<void> {
    const deadline = this.#deadline();
    for (const action of this.#options.registry.boundActions(trigger)) {
      try {
        const calls = await this.#run(action, trigger, input, deadline);
        for (const { method, args } of calls) {
          if (method === 'cache.set' || method === 'cache.delete') this.#cache.apply(trigger, method, args);
        }
      } catch (error) {
        if (!(error instanceof AccessDeniedByAction)) throw error;
      }
    }
  }

  /**
   * Runs one action within what is left of its flow's limit (`deadline`) and returns its recorded `api`
   * calls; throws `AccessDeniedByAction` when it fails.
   */
  async #run(
    action: ActionRecord,
    trigger: TriggerId,
    input: object,
    deadline: number,
    handler?: string,
  ): Promise<ApiCall[]> {
    const code = await this.#code.current(action);
    const outcome = await this.#worker
      .run(
        {
          trigger,
          handler: handler ?? HANDLERS[trigger],
          module: {
            name: action.name,
            code,
            // Code without a file is named as if it lived in the folder its dependencies resolve from.
            filename: action.codeFile ?? join(this.#options.resolveFrom, `action:${action.name}`),
            version: `${action.updated_at}\0${code}\0${JSON.stringify(action.dependencies)}`,
            dependencies: action.dependencies,
            resolveFrom: action.codeFile ? dirname(action.codeFile) : this.#options.resolveFrom,
          },
          event: { ...input, secrets: Object.fromEntries(action.secrets.map((s) => [s.name, s.value])) },
          cache: this.#cache.snapshot(trigger),
        },
        deadline - Date.now(),
        (level, message) => this.#log(action.name, trigger, level, message),
      )
      .catch((error: Error) => {
        this.#log(action.name, trigger, 'error', error.message);
        throw error instanceof AccessDeniedByAction
          ? error
          : new AccessDeniedByAction(
              'ERR_ACTION_FAILED',
              { action: action.name, reason: error.message },
              { cause: error },
            );
      });
    if (outcome.type === 'failed') {
      // The developer sees the stack in the log; the application sees the message, as from Auth0.
      this.#log(action.name, trigger, 'error', outcome.stack);
      throw new AccessDeniedByAction(outcome.load ? 'ERR_ACTION_LOAD' : 'ERR_ACTION_FAILED', {
        action: action.name,
        reason: outcome.message,
      });
    }
    return outcome.calls;
  }

  #setClaim(
    claims: Record<string, unknown>,
    action: ActionRecord,
    trigger: TriggerId,
    name: unknown,
    value: unknown,
  ): void {
    const claim = String(name);
    const restricted = restrictedClaimReason(claim);
    if (restricted) {
      this.#log(action.name, trigger, 'warn', `custom claim ignored, as Auth0 ignores it: ${restricted}`);
      return;
    }
    const next = { ...claims, [claim]: value };
    if (Buffer.byteLength(JSON.stringify(next)) > MAX_CUSTOM_CLAIMS_BYTES) {
      throw new AccessDeniedByAction('ERR_ACTION_FAILED', {
        action: action.name,
        reason: `custom claims exceed ${MAX_CUSTOM_CLAIMS_BYTES} bytes`,
      });
    }
    claims[claim] = value;
  }

  async #persistMetadata(
    userId: string,
    app: Record<string, unknown>,
    own: Record<string, unknown>,
    changed: { app: boolean; user: boolean },
  ): Promise<void> {
    const entity = await this.#options.storage.entities.get<UserRecord>('user', userId);
    if (!entity) return;
    const doc: UserRecord = {
      ...entity.doc,
      ...(changed.app ? { app_metadata: app } : {}),
      ...(changed.user ? { user_metadata: own } : {}),
      updated_at: new Date().toISOString(),
    };
    await this.#options.storage.entities.apply([{ op: 'put', kind: 'user', id: entity.id, key: entity.key, doc }]);
  }

  #log(action: string, trigger: TriggerId, level: ActionLogLine['level'], message: string): void {
    this.#options.onLog?.({ action, trigger, level, message });
  }
}

/** `api.redirect.sendUserTo(url, { query })`: the URL with the query parameters added. */
function redirectUrl(action: string, url: unknown, options: unknown): string {
  const target = URL.parse(String(url));
  if (!target || (target.protocol !== 'https:' && target.protocol !== 'http:')) {
    throw new AccessDeniedByAction('ERR_ACTION_FAILED', {
      action,
      reason: `api.redirect.sendUserTo needs an absolute http(s) URL, not "${String(url)}"`,
    });
  }
  const query = (options as { query?: Record<string, unknown> } | undefined)?.query ?? {};
  for (const [key, value] of Object.entries(query)) target.searchParams.set(key, String(value));
  return target.href;
}

/** Auth0's `setAppMetadata(key, value)`: sets one top-level key; `undefined` or `null` removes it. */
function setMetadata(target: Record<string, unknown>, key: unknown, value: unknown): void {
  const name = String(key);
  if (value === undefined || value === null) delete target[name];
  else target[name] = value;
}
