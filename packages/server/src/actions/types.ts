/*
 * The Auth0 Actions contract: the `event` objects each trigger receives and what the tenant does with an
 * action's `api` calls. Shapes and names follow Auth0's reference pages ("Actions Triggers: post-login -
 * Event Object / API Object", "credentials-exchange - Event Object / API Object", "pre-user-registration",
 * "post-user-registration", "post-change-password"), so that a team's actions run here unchanged.
 */

/** `event.request` (Auth0: ip, hostname, user_agent, method, query, body, geoip, language). */
export interface ActionRequest {
  ip: string;
  hostname: string;
  user_agent?: string;
  method: string;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  /** Auth0 resolves the IP to a place; the local tenant has no GeoIP database, so this is always empty. */
  geoip: Record<string, unknown>;
  language?: string;
}

/** `event.user` as Auth0 documents it for the post-login trigger (a normalized user profile). */
export interface ActionUser {
  user_id: string;
  email?: string;
  email_verified?: boolean;
  username?: string;
  name?: string;
  nickname?: string;
  given_name?: string;
  family_name?: string;
  picture?: string;
  created_at: string;
  updated_at: string;
  last_login?: string;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  identities: { connection: string; provider: string; user_id: string; isSocial: boolean }[];
  multifactor: string[];
}

export interface ActionClient {
  client_id: string;
  name: string;
  /** Auth0's client metadata (string values). */
  metadata: Record<string, string>;
}

export interface ActionConnection {
  id: string;
  name: string;
  strategy: string;
  metadata: Record<string, string>;
}

/** `event.tenant`: Auth0 gives the tenant's name as its id. */
export interface ActionTenant {
  id: string;
}

/**
 * Auth0's `event.transaction.protocol` values the tenant produces: an interactive or silent login through
 * /authorize (`oidc-basic-profile` for the code flow, `oidc-implicit-profile`), and the refresh-token
 * exchange, on which Auth0 runs post-login again.
 */
export type LoginProtocol =
  | 'oidc-basic-profile'
  | 'oidc-implicit-profile'
  | 'oauth2-refresh-token'
  | 'oauth2-password'
  | 'oauth2-token-exchange';

/** The post-login (v3) event. */
export interface PostLoginEvent {
  user: ActionUser;
  client: ActionClient;
  connection: ActionConnection;
  request: ActionRequest;
  /** The API named by `audience`, when one was (Auth0: `{ identifier }`). */
  resource_server?: { identifier: string };
  /** The user's role NAMES (Auth0: `event.authorization.roles`). */
  authorization: { roles: string[] };
  stats: { logins_count: number };
  transaction: {
    id?: string;
    protocol: LoginProtocol;
    requested_scopes: string[];
    redirect_uri?: string;
    response_type?: string[];
    response_mode?: string;
    state?: string;
    prompt?: string[];
    ui_locales: string[];
    locale: string;
    acr_values: string[];
    /**
     * On-Behalf-Of token exchange (`oauth2-token-exchange`): the delegation chain, as the exchanged token's
     * `act` claim (the calling client, the earlier actors nested inside).
     * https://auth0.com/docs/api/authentication/on-behalf-of-token-exchange/get-token
     */
    actor?: Readonly<Record<string, unknown>>;
    /** Auth0 v3: the login's transaction metadata (set through `api.transaction.setMetadata`); always empty here. */
    metadata: Record<string, unknown>;
  };
  authentication?: { methods: { name: string; timestamp: string }[] };
  session?: { id: string };
  organization?: { id: string; name: string; display_name?: string; metadata: Record<string, string> };
  tenant: ActionTenant;
  /** Filled per action from its own `secrets` by the runner. */
  secrets: Record<string, string>;
}

/** What the post-login actions asked for, applied by the engine when it issues tokens. */
export interface PostLoginResult {
  idTokenClaims: Record<string, unknown>;
  accessTokenClaims: Record<string, unknown>;
  /** Scopes to add to and remove from the access token, in the order the actions asked. */
  scopeChanges: { op: 'add' | 'remove'; scope: string }[];
  /**
   * Set when an action called `api.redirect.sendUserTo` in an interactive login: where to send the browser
   * now (Auth0 adds `state`), and the action whose `onContinuePostLogin` runs when it comes back.
   */
  redirect?: { url: string; action: string };
}

/** Where a login paused by `api.redirect.sendUserTo` resumes: the action, and what the actions set so far. */
export interface PostLoginResume {
  action: string;
  result: PostLoginResult;
}

/** The credentials-exchange (v2) event. */
export interface CredentialsExchangeEvent {
  client: ActionClient;
  /** Auth0: `{ id }` holding the API's identifier (the audience). */
  resource_server: { id: string };
  request: ActionRequest;
  transaction: { requested_scopes: string[] };
  /** Auth0: the access token about to be issued (`scope` as a list of granted scopes). */
  accessToken: { scope: string[] };
  tenant: ActionTenant;
  secrets: Record<string, string>;
}

export interface CredentialsExchangeResult {
  accessTokenClaims: Record<string, unknown>;
}

/** The pre-user-registration event: the user about to be created. */
export interface PreUserRegistrationEvent {
  user: Omit<ActionUser, 'user_id' | 'created_at' | 'updated_at' | 'identities' | 'multifactor' | 'last_login'>;
  client?: ActionClient;
  connection: ActionConnection;
  request: ActionRequest;
  transaction?: { requested_scopes: string[]; ui_locales: string[]; locale: string };
  tenant: ActionTenant;
  secrets: Record<string, string>;
}

/** Metadata the pre-user-registration actions set on the user before it is created. */
export interface PreUserRegistrationResult {
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
}

/** The post-user-registration event: the user just created. */
export interface PostUserRegistrationEvent {
  user: ActionUser;
  connection: ActionConnection;
  request?: ActionRequest;
  tenant: ActionTenant;
  secrets: Record<string, string>;
}

/** The post-change-password event. */
export interface PostChangePasswordEvent {
  user: Pick<ActionUser, 'user_id' | 'email' | 'email_verified' | 'created_at' | 'updated_at'>;
  connection: ActionConnection;
  request: ActionRequest;
  tenant: ActionTenant;
  secrets: Record<string, string>;
}

/**
 * Runs the actions bound to each trigger. One per tenant, built by the composition root. Every method
 * with nothing bound returns at once (one registry lookup).
 */
export interface ActionRunner {
  /**
   * Runs the post-login actions bound now, in order; `api.user` metadata changes are persisted after the
   * last one (also when one denies, as Auth0). Throws `AccessDeniedByAction` when one denies, throws or
   * times out. An action that redirects pauses the flow (`result.redirect`); `resume` continues it with
   * that action's `onContinuePostLogin`, then the actions after it.
   */
  postLogin(event: Omit<PostLoginEvent, 'secrets'>, resume?: PostLoginResume): Promise<PostLoginResult>;
  /** Runs the credentials-exchange actions; throws `AccessDeniedByAction` (with Auth0's `code`) on a deny. */
  credentialsExchange(event: Omit<CredentialsExchangeEvent, 'secrets'>): Promise<CredentialsExchangeResult>;
  /** Throws `AccessDeniedByAction` (with `userMessage`) when one denies the sign-up. */
  preUserRegistration(event: Omit<PreUserRegistrationEvent, 'secrets'>): Promise<PreUserRegistrationResult>;
  /** Auth0 runs these after the fact: a failure is logged, never reported to the user. */
  postUserRegistration(event: Omit<PostUserRegistrationEvent, 'secrets'>): Promise<void>;
  /** Auth0 runs these after the fact: a failure is logged, never reported to the user. */
  postChangePassword(event: Omit<PostChangePasswordEvent, 'secrets'>): Promise<void>;
  /** True when at least one deployed action is bound to the trigger (callers skip building the event otherwise). */
  has(trigger: import('../config/types.ts').TriggerId): boolean;
  /** Stops the worker. Idempotent. */
  close(): Promise<void>;
}

/** One `console.*` line of an action, or a failure's stack, for the tenant log. */
export interface ActionLogLine {
  action: string;
  trigger: import('../config/types.ts').TriggerId;
  level: 'log' | 'info' | 'warn' | 'error' | 'debug';
  message: string;
}
