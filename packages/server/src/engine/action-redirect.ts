import { errors, type Interaction, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { PostLoginResume } from '../actions/types.ts';
import type { TenantContext } from '../tenant/context.ts';
import { requestState } from './request-state.ts';

/** The model that holds a login paused by `api.redirect.sendUserTo`, keyed by the interaction uid. */
const PAUSE_MODEL = 'ActionPause';
/** The interaction result key /continue sets (http/continue.ts) for the resumed authorization to find. */
export const CONTINUE_RESULT_KEY = 'authmesh_continue';
/** What /continue records: the paused interaction and the query and body the browser came back with. */
export interface ContinueResult {
  uid: string;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
}

/** The login paused by a redirect that this request resumes (after /continue), once: a replay finds none. */
export async function pausedLogin(
  ctx: KoaContextWithOIDC,
  tenant: TenantContext,
): Promise<{ pause: PostLoginResume; back: ContinueResult } | undefined> {
  const back = (ctx.oidc.result as Record<string, unknown> | undefined)?.[CONTINUE_RESULT_KEY] as
    | ContinueResult
    | undefined;
  if (!back) return undefined;
  const store = tenant.storage.model(PAUSE_MODEL);
  const pause = (await store.find(back.uid)) as PostLoginResume | undefined;
  if (!pause || !(await store.consume(back.uid))) {
    throw new errors.AccessDenied('The login that redirected was already continued or has expired.');
  }
  return { pause, back };
}

/**
 * Auth0's `api.redirect.sendUserTo` as an engine interaction: a prompt whose check holds when this
 * request's post-login paused on a redirect (`prompt=none` then fails with `interaction_required`, as
 * Auth0 v3), and an interaction URL that is the action's page with Auth0's `state` (the interaction uid)
 * added. The paused progress is kept under that uid until /continue (http/continue.ts) resumes it.
 * https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger/redirect-with-actions
 */
export function actionInteractions(
  tenant: TenantContext,
  loginUrl: (interaction: Interaction) => string,
): { policy: interactionPolicy.Prompt[]; url: (ctx: KoaContextWithOIDC, interaction: Interaction) => Promise<string> } {
  const policy = interactionPolicy.base();
  policy.add(
    new interactionPolicy.Prompt(
      { name: 'action', requestable: false },
      new interactionPolicy.Check(
        'action_redirect',
        'an action sent the user to another page',
        'interaction_required',
        (ctx) => requestState(ctx).actionRedirect !== undefined,
      ),
    ),
  );
  return {
    policy,
    async url(ctx, interaction) {
      const redirect = requestState(ctx).actionRedirect;
      if (!redirect) return loginUrl(interaction);
      await tenant.storage.model(PAUSE_MODEL).upsert(interaction.uid, { ...redirect.pause }, PAUSE_TTL_SECONDS);
      const target = new URL(redirect.url);
      target.searchParams.set('state', interaction.uid);
      return target.href;
    },
  };
}

/** As long as the engine's interaction (engine/provider.ts `ttl.Interaction`). */
const PAUSE_TTL_SECONDS = 3_600;
