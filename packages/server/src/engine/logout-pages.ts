import type { KoaContextWithOIDC } from 'oidc-provider';
import { html, page, raw } from '../encoding/html.ts';

/**
 * `features.rpInitiatedLogout.logoutSource`: the confirmation step of `/oidc/logout`. It protects users
 * from forced logout by third-party pages (docs/security.md, "Logout"); the engine supplies the form
 * (with its CSRF token) and validated the post-logout redirect already. Without a session there is
 * nothing to protect: the engine then renders its own auto-submitting page instead of this one, whose
 * script the page policy allows by hash (http/security-headers.ts).
 */
export async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  const client = ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId;
  ctx.type = 'html';
  ctx.body = page(
    'Log out',
    html`<h1>Log out?</h1>
<p class="lead">${client ? `${client} asks to end your session.` : 'An application asks to end your session.'}</p>
${raw(form)}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, log me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay logged in</button>`,
  );
}

/** `features.rpInitiatedLogout.postLogoutSuccessSource`: shown when there is nowhere to redirect. */
export async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  ctx.type = 'html';
  ctx.body = page('Logged out', html`<h1>You are logged out</h1><p class="lead">You can close this window.</p>`);
}
