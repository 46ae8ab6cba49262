import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { FailureThrottle } from '../http/failure-throttle.ts';
import type { TenantContext } from '../tenant/context.ts';
import { upgradePasswordHash } from '../tenant/password-upgrade.ts';
import { checkPassword, MAX_PASSWORD_LENGTH } from '../tenant/passwords.ts';
import type { UserRecord } from '../tenant/records.ts';
import type { CsrfTokens } from './csrf.ts';
import { readLoginForm } from './login-form.ts';
import { renderLoginExpiredPage, renderLoginPage } from './login-page.ts';

export interface LoginDeps {
  tenant: TenantContext;
  provider: Provider;
  csrf: CsrfTokens;
  throttle: FailureThrottle;
  tenantName: string;
}

/** Auth0's text for a failed login; identical for an unknown user and a wrong password (no enumeration). */
const WRONG_CREDENTIALS = 'Wrong email or password.';
const BLOCKED = 'Your account has been blocked after multiple consecutive login attempts.';

/**
 * `GET|POST /u/login?state=<transaction>`: the tenant's own login page, driven by the engine's
 * interaction API. Invariants:
 * - the transaction must match the interaction cookie (so a link alone cannot complete someone's login);
 * - POSTs need the CSRF token of that transaction and, when the browser sends one, a same-origin `Origin`;
 * - unknown user and wrong password cost the same hashing work and get the same answer;
 * - success answers 303 (never 307) so the password is not re-posted to the next hop.
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
    const transaction = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    if (!details || details.uid !== transaction) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = renderLoginExpiredPage();
      return;
    }
    const applicationName = deps.tenant.registry.client(String(details.params.client_id))?.name ?? 'the application';
    const render = (status: number, extra: { username?: string; error?: string } = {}) => {
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = renderLoginPage({
        transaction,
        csrf: deps.csrf.issue(transaction),
        applicationName,
        tenantName: deps.tenantName,
        ...extra,
      });
    };

    if (details.prompt.name !== 'login') {
      // First-party consent is granted by loadExistingGrant before the engine asks; reaching here means a
      // prompt authmesh does not implement. Finishing it blindly would loop, so say so instead.
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = renderLoginExpiredPage();
      return;
    }
    if (ctx.method === 'GET') {
      const hint = details.params.login_hint;
      render(200, typeof hint === 'string' ? { username: hint.slice(0, 320) } : {});
      return;
    }

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
    if (!deps.csrf.verify(transaction, form.get('csrf'))) {
      ctx.status = 403;
      ctx.body = 'Forbidden: the login form has expired or was not issued by this tenant. Reload the page.';
      return;
    }
    const username = (form.get('username') ?? '').trim().toLowerCase().slice(0, 320);
    const password = form.get('password') ?? '';
    const ip = ctx.request.ip || 'unknown';
    const verdict = deps.throttle.check(username, ip);
    if (!verdict.allowed) {
      ctx.set('Retry-After', String(verdict.retryAfterS));
      return render(429, {
        username,
        error: verdict.reason === 'blocked' ? BLOCKED : 'Too many attempts. Try again later.',
      });
    }
    const user = username ? await deps.tenant.storage.entities.getByKey<UserRecord>('user', username) : undefined;
    const check =
      password.length > 0 && password.length <= MAX_PASSWORD_LENGTH
        ? await checkPassword(password, user?.doc.password_hash)
        : undefined;
    const ok = check?.matches === true && user !== undefined && !user.doc.blocked;
    if (!ok || !user) {
      deps.throttle.recordFailure(username, ip);
      return render(400, { username, error: WRONG_CREDENTIALS });
    }
    deps.throttle.recordSuccess(username, ip);
    // Only now is the password known: an old-format hash (scrypt) is replaced by argon2id.
    if (check?.needsUpgrade)
      await upgradePasswordHash(deps.tenant.storage.entities, user.id, user.doc.password_hash, password);
    await deps.provider.interactionFinished(
      ctx.req,
      ctx.res,
      { login: { accountId: user.doc.user_id, remember: true } },
      { mergeWithLastSubmission: false },
    );
    ctx.respond = false;
  };
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

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
