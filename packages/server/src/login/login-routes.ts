import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { ActionRunner } from '../actions/types.ts';
import type { FailureThrottle } from '../http/failure-throttle.ts';
import { type LoginAttempt, publishLogin } from '../http/login-activity.ts';
import type { LoginOutcome } from '../observability/metrics.ts';
import { databaseFor, isDatabase } from '../tenant/connections.ts';
import type { TenantContext } from '../tenant/context.ts';
import { authenticateDatabaseUser } from '../tenant/database-users.ts';
import { knownExternalUsers, signInExternalUser } from '../tenant/external-users.ts';
import { isPasswordHashingBusy, PASSWORD_HASHING_RETRY_AFTER_S } from '../tenant/password-pool.ts';
import type { ConnectionRecord } from '../tenant/records.ts';
import { handleConsent } from './consent.ts';
import type { CsrfTokens } from './csrf.ts';
import { deniedSignupText, signUpWithActions } from './flow-actions.ts';
import { renderIdentityPage } from './identity-page.ts';
import { readLoginForm } from './login-form.ts';
import { type ConnectionButton, renderLoginExpiredPage, renderLoginPage } from './login-page.ts';
import { renderSignupPage } from './signup-page.ts';
import { signupRefusalText } from './signup-refusals.ts';

export interface LoginDeps {
  tenant: TenantContext;
  provider: Provider;
  csrf: CsrfTokens;
  throttle: FailureThrottle;
  tenantName: string;
  /** Told how each submission of the login page ended (for metrics); never who or with what password. */
  onOutcome?: (outcome: LoginOutcome) => void;
  /** Runs the pre- and post-user-registration actions around a sign-up on the page. */
  actions?: ActionRunner;
}

/** Auth0's text for a failed login; identical for an unknown user and a wrong password (no enumeration). */
const WRONG_CREDENTIALS = 'Wrong email or password.';
const BLOCKED = 'Your account has been blocked after multiple consecutive login attempts.';
const NO_DATABASE = 'No database connection is enabled for this application.';
/** More password checks waiting than the tenant queues (tenant/password-pool.ts): the page answers 503. */
const BUSY = 'Too many people are logging in at this moment. Try again in a few seconds.';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** One login transaction as the views need it. */
interface Transaction {
  ctx: Context;
  details: Details;
  id: string;
  clientId: string;
  applicationName: string;
  /** The database connection the application uses, when one is enabled for it. */
  database?: ConnectionRecord;
  /** Social and enterprise connections enabled for the application. */
  external: ConnectionRecord[];
}

/**
 * `GET|POST /u/login?state=<transaction>`: the tenant's own login page, driven by the engine's
 * interaction API. Views: log in (default), sign up (`screen_hint=signup` at /authorize, or `screen=signup`),
 * and the local identity page of a social/enterprise connection (`connection=` at /authorize, or a
 * button). Invariants:
 * - the transaction must match the interaction cookie (so a link alone cannot complete someone's login);
 * - POSTs need the CSRF token of that transaction and, when the browser sends one, a same-origin `Origin`;
 * - unknown user and wrong password cost the same hashing work and get the same answer;
 * - only connections enabled for the application can be used (Auth0 `enabled_clients`);
 * - success answers 303 (never 307) so the password is not re-posted to the next hop;
 * - when the tenant's password-hashing queue is full, the form comes back with 503 and `Retry-After`
 *   (the password was not checked, so no failure is counted).
 */
export function createLoginRoutes(deps: LoginDeps) {
  return async function loginRoutes(ctx: Context): Promise<void> {
    if (ctx.method !== 'GET' && ctx.method !== 'POST') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, POST');
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    const details = await interactionOf(deps, ctx);
    const id = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    // Third-party applications ask for consent (first-party ones never do: see engine/grants.ts).
    if (details?.uid === id && details.prompt.name === 'consent') return handleConsent(deps, ctx, details);
    if (!details || details.uid !== id || details.prompt.name !== 'login') {
      // Any other prompt would loop if finished blindly, so it is shown as an ended transaction too.
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = renderLoginExpiredPage();
      return;
    }
    const clientId = String(details.params.client_id);
    const enabled = deps.tenant.registry.connectionsFor(clientId);
    const requested = typeof details.params.connection === 'string' ? details.params.connection : undefined;
    const database = databaseFor(deps.tenant.registry, clientId, requestedDatabase(deps, requested));
    const tx: Transaction = {
      ctx,
      details,
      id,
      clientId,
      applicationName: deps.tenant.registry.client(clientId)?.name ?? 'the application',
      ...(database.enabled && database.connection ? { database: database.connection } : {}),
      external: enabled.filter((c) => !isDatabase(c)),
    };

    if (ctx.method === 'GET') return showView(deps, tx);

    if (!sameOrigin(ctx, deps.tenant.issuer)) {
      ctx.status = 403;
      ctx.body = 'Forbidden: cross-origin login form submission.';
      return;
    }
    const submitted = await readLoginForm(ctx.req);
    if (!('form' in submitted)) {
      ctx.status = submitted.status;
      if (submitted.error !== undefined) ctx.body = { error: 'invalid_request', error_description: submitted.error };
      return;
    }
    const { form } = submitted;
    if (!deps.csrf.verify(id, form.get('csrf'))) {
      ctx.status = 403;
      ctx.body = 'Forbidden: the login form has expired or was not issued by this tenant. Reload the page.';
      return;
    }
    const action = form.get('action');
    if (action === 'signup') return submitSignup(deps, tx, form);
    if (action === 'identity') return submitIdentity(deps, tx, form);
    return submitLogin(deps, tx, form);
  };
}

/** A `connection` naming a database selects it; any other leaves the application's first database. */
function requestedDatabase(deps: LoginDeps, name: string | undefined): string | undefined {
  const connection = name === undefined ? undefined : deps.tenant.registry.connection(name);
  return connection && isDatabase(connection) ? connection.name : undefined;
}

async function showView(deps: LoginDeps, tx: Transaction): Promise<void> {
  const { ctx, details } = tx;
  const screen = typeof ctx.query.screen === 'string' ? ctx.query.screen : undefined;
  const chosen =
    typeof ctx.query.connection === 'string'
      ? ctx.query.connection
      : screen === undefined && typeof details.params.connection === 'string'
        ? details.params.connection
        : undefined;
  const external = tx.external.find((c) => c.name === chosen);
  if (external) return renderIdentity(deps, tx, external, 200);
  const signup = screen === 'signup' || (screen === undefined && details.params.screen_hint === 'signup');
  if (signup && tx.database?.database?.disable_signup === false) return renderSignup(deps, tx, 200);
  const hint = details.params.login_hint;
  return renderLogin(deps, tx, 200, typeof hint === 'string' ? { username: hint.slice(0, 320) } : {});
}

function buttons(tx: Transaction): ConnectionButton[] {
  return tx.external.map((c) => ({ name: c.name, label: `Continue with ${c.display_name ?? c.name}` }));
}

function renderLogin(deps: LoginDeps, tx: Transaction, status: number, extra: { username?: string; error?: string }) {
  tx.ctx.status = status;
  tx.ctx.type = 'html';
  tx.ctx.body = renderLoginPage({
    transaction: tx.id,
    csrf: deps.csrf.issue(tx.id),
    applicationName: tx.applicationName,
    tenantName: deps.tenantName,
    buttons: buttons(tx),
    signupAllowed: tx.database?.database?.disable_signup === false,
    usernameAllowed: tx.database?.database?.requires_username === true,
    passwordForm: tx.database !== undefined,
    ...extra,
  });
}

function renderSignup(
  deps: LoginDeps,
  tx: Transaction,
  status: number,
  extra: {
    email?: string;
    username?: string;
    error?: string;
    rules?: Parameters<typeof renderSignupPage>[0]['rules'];
  } = {},
) {
  tx.ctx.status = status;
  tx.ctx.type = 'html';
  tx.ctx.body = renderSignupPage({
    transaction: tx.id,
    csrf: deps.csrf.issue(tx.id),
    applicationName: tx.applicationName,
    tenantName: deps.tenantName,
    requiresUsername: tx.database?.database?.requires_username === true,
    buttons: buttons(tx),
    ...extra,
  });
}

async function renderIdentity(
  deps: LoginDeps,
  tx: Transaction,
  connection: ConnectionRecord,
  status: number,
  error?: string,
) {
  const known = await knownExternalUsers(deps.tenant, connection);
  tx.ctx.status = status;
  tx.ctx.type = 'html';
  tx.ctx.body = renderIdentityPage({
    transaction: tx.id,
    csrf: deps.csrf.issue(tx.id),
    applicationName: tx.applicationName,
    tenantName: deps.tenantName,
    connection: connection.name,
    strategy: connection.strategy,
    known: known.slice(-10).map((u) => ({ email: u.email, name: u.name })),
    ...(error === undefined ? {} : { error }),
  });
}

async function submitLogin(deps: LoginDeps, tx: Transaction, form: URLSearchParams): Promise<void> {
  const { ctx } = tx;
  const username = (form.get('username') ?? '').trim().toLowerCase().slice(0, 320);
  const password = form.get('password') ?? '';
  const database = tx.database;
  if (!database) return renderLogin(deps, tx, 400, { username, error: NO_DATABASE });
  const ip = ctx.request.ip || 'unknown';
  const guarded = database.database?.brute_force_protection !== false;
  const verdict = guarded ? await deps.throttle.check(username, ip) : { allowed: true as const };
  if (!verdict.allowed) {
    ctx.set('Retry-After', String(verdict.retryAfterS));
    recordOutcome(deps, tx, verdict.reason === 'blocked' ? 'blocked' : 'throttled', { username });
    return renderLogin(deps, tx, 429, {
      username,
      error: verdict.reason === 'blocked' ? BLOCKED : 'Too many attempts. Try again later.',
    });
  }
  let user: Awaited<ReturnType<typeof authenticateDatabaseUser>>;
  try {
    user = await authenticateDatabaseUser(deps.tenant, database, username, password);
  } catch (error) {
    if (!isPasswordHashingBusy(error)) throw error;
    tx.ctx.set('Retry-After', String(PASSWORD_HASHING_RETRY_AFTER_S));
    return renderLogin(deps, tx, 503, { username, error: BUSY });
  }
  if (!user) {
    if (guarded) await deps.throttle.recordFailure(username, ip);
    recordOutcome(deps, tx, 'wrong_credentials', { username, connection: database.name });
    return renderLogin(deps, tx, 400, { username, error: WRONG_CREDENTIALS });
  }
  if (guarded) await deps.throttle.recordSuccess(username, ip);
  recordOutcome(deps, tx, 'success', { username, connection: database.name, user_id: user.user_id });
  await finish(deps, ctx, user.user_id);
}

async function submitSignup(deps: LoginDeps, tx: Transaction, form: URLSearchParams): Promise<void> {
  const email = (form.get('email') ?? '').trim().slice(0, 320);
  const username = form.get('username') ?? undefined;
  const database = tx.database;
  if (!database) return renderLogin(deps, tx, 400, { error: NO_DATABASE });
  const flow = {
    tenant: deps.tenant,
    actions: deps.actions,
    ctx: tx.ctx,
    clientId: String(tx.details.params.client_id),
  };
  let result: Awaited<ReturnType<typeof signUpWithActions>>;
  try {
    result = await signUpWithActions(flow, database, {
      email,
      password: form.get('password') ?? '',
      ...(username === undefined || username === '' ? {} : { username }),
    });
  } catch (error) {
    if (!isPasswordHashingBusy(error)) throw error;
    tx.ctx.set('Retry-After', String(PASSWORD_HASHING_RETRY_AFTER_S));
    return renderSignup(deps, tx, 503, { email, ...(username === undefined ? {} : { username }), error: BUSY });
  }
  if ('denied' in result) {
    return renderSignup(deps, tx, 400, {
      email,
      ...(username === undefined ? {} : { username }),
      error: deniedSignupText(result.denied),
    });
  }
  if ('refused' in result) {
    const rules = result.refused.code === 'invalid_password' ? result.refused.verdict.rules : undefined;
    return renderSignup(deps, tx, 400, {
      email,
      ...(username === undefined ? {} : { username }),
      error: signupRefusalText(result.refused.code),
      ...(rules === undefined ? {} : { rules }),
    });
  }
  // As on Auth0, a sign-up on the login page also logs the new user in.
  recordOutcome(deps, tx, 'signup', { username: email, connection: database.name, user_id: result.user.user_id });
  await finish(deps, tx.ctx, result.user.user_id);
}

async function submitIdentity(deps: LoginDeps, tx: Transaction, form: URLSearchParams): Promise<void> {
  const connection = tx.external.find((c) => c.name === form.get('connection'));
  if (!connection) return renderLogin(deps, tx, 400, { error: 'This connection is not enabled for the application.' });
  const email = (form.get('email') ?? '').trim().slice(0, 320);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    return renderIdentity(deps, tx, connection, 400, 'Type the e-mail address the test identity should have.');
  }
  const name = (form.get('name') ?? '').trim().slice(0, 200);
  const user = await signInExternalUser(deps.tenant, connection, { email, ...(name ? { name } : {}) });
  if (user.blocked) {
    recordOutcome(deps, tx, 'blocked', { username: email, connection: connection.name, user_id: user.user_id });
    return renderIdentity(deps, tx, connection, 400, 'user is blocked');
  }
  recordOutcome(deps, tx, 'external', { username: email, connection: connection.name, user_id: user.user_id });
  await finish(deps, tx.ctx, user.user_id);
}

/** Counts a login outcome (metrics) and publishes it to the activity feed (the console's stream). */
function recordOutcome(deps: LoginDeps, tx: Transaction, outcome: LoginOutcome, attempt: LoginAttempt): void {
  deps.onOutcome?.(outcome);
  publishLogin(deps.tenant, outcome, { client_id: tx.clientId, ip: tx.ctx.request.ip, ...attempt });
}

async function finish(deps: LoginDeps, ctx: Context, accountId: string): Promise<void> {
  await deps.provider.interactionFinished(
    ctx.req,
    ctx.res,
    { login: { accountId, remember: true } },
    { mergeWithLastSubmission: false },
  );
  ctx.respond = false;
}

async function interactionOf(deps: LoginDeps, ctx: Context): Promise<Details | undefined> {
  try {
    return await deps.provider.interactionDetails(ctx.req, ctx.res);
  } catch {
    return undefined;
  }
}

/** Browsers send `Origin` on POSTs; when present it must be the tenant's own origin. */
function sameOrigin(ctx: Context, issuer: string): boolean {
  const origin = ctx.get('Origin');
  if (!origin) return true;
  return origin === new URL(issuer).origin;
}
