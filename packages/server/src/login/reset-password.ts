import type { Context } from 'koa';
import type { ActionRunner } from '../actions/types.ts';
import { html, page, raw } from '../encoding/html.ts';
import type { TenantContext } from '../tenant/context.ts';
import { resetPassword } from '../tenant/database-users.ts';
import { isPasswordHashingBusy, PASSWORD_HASHING_RETRY_AFTER_S } from '../tenant/password-pool.ts';
import { afterPasswordChange } from './flow-actions.ts';
import { readLoginForm } from './login-form.ts';
import { isLoopbackAddress } from './loopback.ts';
import type { Outbox } from './outbox.ts';
import { signupRefusalText } from './signup-refusals.ts';

/** The page a reset e-mail links to (Auth0's is `/lo/reset`; the path is the tenant's own). */
export const RESET_PATH = '/u/reset-password';

export interface ResetDeps {
  tenant: TenantContext;
  outbox: Outbox;
  tenantName: string;
  /** Runs the post-change-password actions once a reset link set a new password. */
  actions?: ActionRunner;
}

/**
 * `GET|POST /u/reset-password?ticket=…`: choose a new password with the ticket of a reset e-mail. The
 * ticket is the only credential (256 random bits, single use, 5 days); the new password must meet the
 * connection's policy; success ends the user's sessions and refresh tokens, as a password change does.
 */
export function createResetPasswordPage(deps: ResetDeps) {
  return async function resetPasswordPage(ctx: Context): Promise<void> {
    if (ctx.method !== 'GET' && ctx.method !== 'POST') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, POST');
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    let ticket = typeof ctx.query.ticket === 'string' ? ctx.query.ticket : '';
    let password = '';
    if (ctx.method === 'POST') {
      const origin = ctx.get('Origin');
      if (origin && origin !== new URL(deps.tenant.issuer).origin) {
        ctx.status = 403;
        ctx.body = 'Forbidden: cross-origin form submission.';
        return;
      }
      const submitted = await readLoginForm(ctx.req);
      if (!('form' in submitted)) {
        ctx.status = submitted.status;
        return;
      }
      ticket = submitted.form.get('ticket') ?? ticket;
      password = submitted.form.get('password') ?? '';
    }
    const grant = ticket ? deps.outbox.peek(ticket) : undefined;
    const connection = grant ? deps.tenant.registry.connection(grant.connection) : undefined;
    if (!grant || !connection) {
      ctx.status = 400;
      ctx.body = page(
        'Link expired',
        html`<h1>This link has expired</h1><p class="lead">Ask for a new password reset e-mail.</p>`,
      );
      return;
    }
    if (ctx.method === 'GET') {
      ctx.body = form(deps, ticket, grant.email);
      return;
    }
    let result: Awaited<ReturnType<typeof resetPassword>>;
    try {
      result = await resetPassword(deps.tenant, connection, grant.userId, password);
    } catch (error) {
      if (!isPasswordHashingBusy(error)) throw error;
      // The password-hashing queue is full (tenant/password-pool.ts): the link still works in a moment.
      ctx.set('Retry-After', String(PASSWORD_HASHING_RETRY_AFTER_S));
      ctx.status = 503;
      ctx.body = form(deps, ticket, grant.email, 'The server is busy at this moment. Try again in a few seconds.');
      return;
    }
    if ('refused' in result) {
      ctx.status = 400;
      ctx.body = form(deps, ticket, grant.email, signupRefusalText(result.refused.code));
      return;
    }
    deps.outbox.redeem(ticket);
    await afterPasswordChange({ tenant: deps.tenant, actions: deps.actions, ctx }, connection, grant.userId);
    ctx.body = page(
      'Password changed',
      html`<h1 id="password-changed">Password changed!</h1><p class="lead">You can now log in with your new password.</p>`,
    );
  };
}

function form(deps: ResetDeps, ticket: string, email: string, error?: string): string {
  return page(
    `Change your password | ${deps.tenantName}`,
    html`<h1>Change your password</h1>
<p class="lead">Enter a new password for ${email}.</p>
${error ? html`<p class="alert" role="alert" id="error-message">${error}</p>` : ''}
<form method="post" action="${RESET_PATH}" novalidate>
<input type="hidden" name="ticket" value="${ticket}">
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required autofocus>
<button type="submit">Reset password</button>
</form>`,
  );
}

/**
 * `GET /u/outbox`: the e-mails the tenant would have sent, with their working links. Only for requests
 * from this machine: the links carry reset tickets, which are bearer secrets.
 */
export function createOutboxPage(deps: ResetDeps) {
  return async function outboxPage(ctx: Context): Promise<void> {
    if (ctx.method !== 'GET') {
      ctx.status = 405;
      ctx.set('Allow', 'GET');
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    if (!isLoopbackAddress(ctx.request.ip)) {
      ctx.status = 403;
      ctx.body = 'Forbidden: the outbox is only shown to this machine.';
      return;
    }
    const items = deps.outbox.emails().map(
      (email) => html`<li><p><strong>${email.subject}</strong> to <code>${email.to}</code> at ${email.sentAt}</p>
<p>${email.text}</p><a class="button" href="${email.link}">${email.subject}</a></li>`,
    );
    ctx.type = 'html';
    ctx.body = page(
      `Outbox | ${deps.tenantName}`,
      html`<h1>Outbox</h1>
<p class="lead">E-mails this tenant would have sent (newest first). Nothing was delivered.</p>
${items.length === 0 ? html`<p class="meta">No e-mails yet.</p>` : html`<ul class="outbox">${raw(items.map((i) => i.value).join(''))}</ul>`}`,
    );
  };
}
