import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { html, page } from '../encoding/html.ts';
import { CONTINUE_RESULT_KEY, type ContinueResult } from '../engine/action-redirect.ts';
import { BodyError, readBody } from './body.ts';

/** Auth0's path for coming back from a page a post-login action redirected to. */
export const CONTINUE_PATH = '/continue';

/**
 * `GET|POST /continue?state=…`: the way back from `api.redirect.sendUserTo`, as Auth0's. `state` is the
 * paused authorization (the engine interaction the redirect started); it must belong to this browser's
 * session. The query and form body are recorded for the action's `onContinuePostLogin` (its
 * `event.request`), then the browser resumes the authorization, which runs the rest of post-login and
 * issues the code (engine/post-login.ts).
 * https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger/redirect-with-actions
 */
export function createActionContinue(provider: Provider) {
  return async function actionContinue(ctx: Context): Promise<void> {
    if (ctx.method !== 'GET' && ctx.method !== 'POST') {
      ctx.status = 405;
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    let body: Record<string, unknown> = {};
    if (ctx.method === 'POST' && ctx.is('application/x-www-form-urlencoded')) {
      try {
        body = Object.fromEntries(new URLSearchParams((await readBody(ctx.req)).toString('utf8')));
      } catch (error) {
        if (error instanceof BodyError) return refuse(ctx, error.status, 'The request body is too large.');
        throw error;
      }
    }
    const query: Record<string, unknown> = { ...ctx.query };
    const state = typeof query.state === 'string' ? query.state : typeof body.state === 'string' ? body.state : '';
    const interaction = state === '' ? undefined : await provider.Interaction.find(state);
    if (interaction?.prompt.name !== 'action') {
      return refuse(
        ctx,
        400,
        'The state does not name a login waiting for an action to continue; start the login again.',
      );
    }
    const session = await provider.Session.get(ctx as never);
    // The same session (its uid), not only the same user: a leaked /continue link is useless in another browser.
    if (
      !session.accountId ||
      session.accountId !== interaction.session?.accountId ||
      session.uid !== interaction.session?.uid
    ) {
      return refuse(ctx, 403, 'This login was started in another browser session.');
    }
    const back: ContinueResult = { uid: interaction.uid, query, body };
    interaction.result = { ...interaction.lastSubmission, [CONTINUE_RESULT_KEY]: back };
    await interaction.save(Math.max(1, (interaction.exp ?? 0) - Math.floor(Date.now() / 1000)));
    ctx.status = 303;
    ctx.redirect(interaction.returnTo);
  };
}

function refuse(ctx: Context, status: number, message: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = page('Cannot continue', html`<h1>Cannot continue the login</h1><p class="lead">${message}</p>`);
}
