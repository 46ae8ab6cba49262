import type { KoaContextWithOIDC } from 'oidc-provider';
import { html, page, raw } from '../encoding/html.ts';
import { ENGINE_AUTO_SUBMIT_SCRIPT } from './auto-submit.ts';

/**
 * `features.rpInitiatedLogout.logoutSource`: the confirmation step of `/oidc/logout`, rendered by the
 * engine when a session exists, after it validated the request (the `id_token_hint`'s signature and
 * audience, the post-logout redirect). The confirmation protects users from forced logout by third-party
 * pages (docs/security.md, "Logout"). As Auth0 does, it is skipped when the request carries a valid
 * `id_token_hint` for the user of this session: only an application this user signed in to holds one,
 * and Auth0's regular-web-app SDKs (express-openid-connect, nextjs-auth0) always send it. The page then
 * submits the engine's own form with "yes" at once, by the engine's own auto-submit script (which the
 * page policy allows by hash, http/security-headers.ts); the engine ends the session as for a click.
 *
 * Without a session there is nothing to protect: the engine then renders its own auto-submitting page
 * instead of this one.
 */
export async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  ctx.type = 'html';
  if (hintNamesSessionUser(ctx)) {
    ctx.body = page(
      'Logging out',
      html`<h1>Logging out…</h1>
${raw(form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>'))}
<noscript><button autofocus type="submit" form="op.logoutForm">Continue</button></noscript>
${raw(`<script>${ENGINE_AUTO_SUBMIT_SCRIPT}</script>`)}`,
    );
    return;
  }
  const client = ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId;
  ctx.body = page(
    'Log out',
    html`<h1>Log out?</h1>
<p class="lead">${client ? `${client} asks to end your session.` : 'An application asks to end your session.'}</p>
${raw(form)}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, log me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay logged in</button>`,
  );
}

/**
 * True when the engine validated an `id_token_hint` (it refuses the request before this page otherwise)
 * and the hint's user is the one signed in to this session. A hint for another user, e.g. one left over
 * from an earlier session in the same browser, still gets the question.
 */
function hintNamesSessionUser(ctx: KoaContextWithOIDC): boolean {
  const hint = ctx.oidc.entities.IdTokenHint as { payload?: { sub?: unknown } } | undefined;
  const sub = hint?.payload?.sub;
  return typeof sub === 'string' && sub === ctx.oidc.session?.accountId;
}

/** `features.rpInitiatedLogout.postLogoutSuccessSource`: shown when there is nowhere to redirect. */
export async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  ctx.type = 'html';
  ctx.body = page('Logged out', html`<h1>You are logged out</h1><p class="lead">You can close this window.</p>`);
}
