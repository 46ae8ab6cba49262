import type { PostLoginResult, PostLoginResume } from '../actions/types.ts';

/**
 * The one channel between the Auth0 layer (`http/`) and the engine's hooks for a single request.
 *
 * oidc-provider calls our hooks (`getResourceServerInfo`, the JWT customizer, `rotateRefreshToken`) with the
 * request's Koa context and nothing else, and reports failures through events. What the Auth0 layer must
 * tell a hook, or learn from one, travels here, typed, instead of through untyped `ctx.state` keys. The
 * state lives as long as the request's context object (a WeakMap entry, so nothing is retained after it).
 */
export interface RequestState {
  /**
   * Auth0 Multi-Resource Refresh Tokens: the `scope` a refresh request named along with an `audience`,
   * held back from the engine (which would refuse scopes the refresh token lacks) and applied by
   * `getResourceServerInfo`, which narrows the policy's scopes to it.
   */
  refreshScope?: readonly string[];
  /** The `scope` the access-token customizer wrote into the token; Auth0 echoes it in the token response. */
  issuedScope?: string;
  /** The engine's typed error for this request (token and revocation endpoints), for the Auth0 error mapping. */
  engineError?: Error;
  /**
   * Set by the refresh-token layer when the presented token was replaced by its family's live token
   * (Auth0's rotation overlap period): the engine must hand that token back instead of rotating it again.
   */
  keepRefreshToken?: boolean;
  /**
   * The scopes granted by a grant the tenant runs itself (the password grants, engine/password-grant.ts),
   * which has no authorization code or refresh token for the access-token customizer to read them from.
   */
  grantedScope?: readonly string[];
  /**
   * The `act` claim of an On-Behalf-Of token exchange (engine/token-exchange.ts): the calling client, with
   * the subject token's chain nested inside. The access-token customizer writes it into the token.
   */
  actor?: Readonly<Record<string, unknown>>;
  /**
   * The post-login actions' result for the tokens this request mints (engine/post-login.ts), computed once:
   * the access-token customizer and the ID token both apply it.
   */
  postLogin?: Promise<PostLoginResult | undefined>;
  /** Set when a post-login action called `api.redirect.sendUserTo`: the engine's `action` prompt sends the browser there. */
  actionRedirect?: { url: string; pause: PostLoginResume };
}

const states = new WeakMap<object, RequestState>();

/** This request's state, created empty on first use. `ctx` is the Koa context the engine also receives. */
export function requestState(ctx: object): RequestState {
  let state = states.get(ctx);
  if (state === undefined) {
    state = {};
    states.set(ctx, state);
  }
  return state;
}
