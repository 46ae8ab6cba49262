import { html, page, type Raw, raw } from '../encoding/html.ts';

/** A button for a social or enterprise connection enabled for the application. */
export interface ConnectionButton {
  /** The connection's name (`google-oauth2`). */
  name: string;
  /** What the button says (`Continue with google-oauth2`, or the connection's display name). */
  label: string;
}

export interface LoginPageModel {
  /** The interaction uid (Auth0 calls it `state` in /u/login URLs). */
  transaction: string;
  csrf: string;
  applicationName: string;
  tenantName: string;
  username?: string;
  error?: string;
  /** Social and enterprise connections enabled for the application. */
  buttons?: readonly ConnectionButton[];
  /** False when the database connection has `disable_signup` (no "Sign up" link, as on Auth0). */
  signupAllowed?: boolean;
  /** The database connection requires a username (then the identifier field takes either). */
  usernameAllowed?: boolean;
  /** False when no database connection is enabled for the application: only its connection buttons show. */
  passwordForm?: boolean;
}

/** `/u/login?state=…` plus extra query parameters: every view of the login transaction. */
export function loginUrl(transaction: string, extra: Record<string, string> = {}): string {
  return `/u/login?${new URLSearchParams({ state: transaction, ...extra }).toString()}`;
}

/**
 * The login form: plain HTML that works without JavaScript, inputs named `username` and `password`
 * as Auth0's Universal Login names them (password managers and test scripts rely on the names).
 */
export function renderLoginPage(model: LoginPageModel): string {
  const action = loginUrl(model.transaction);
  return page(
    `Log in | ${model.tenantName}`,
    html`<h1>Welcome</h1>
<p class="lead">Log in to ${model.tenantName} to continue to <strong>${model.applicationName}</strong>.</p>
${model.error ? html`<p class="alert" role="alert" id="error-message">${model.error}</p>` : ''}
${model.passwordForm === false ? '' : passwordForm(model, action)}
${model.signupAllowed ? html`<p class="meta">Don't have an account? <a id="signup-link" href="${loginUrl(model.transaction, { screen: 'signup' })}">Sign up</a></p>` : ''}
${connectionButtons(model.transaction, model.buttons ?? [], model.passwordForm !== false)}`,
  );
}

function passwordForm(model: LoginPageModel, action: string) {
  return html`<form method="post" action="${action}" novalidate>
<input type="hidden" name="state" value="${model.transaction}">
<input type="hidden" name="csrf" value="${model.csrf}">
<label for="username">${model.usernameAllowed ? 'Username or email address' : 'Email address'}</label>
<input id="username" name="username" type="${model.usernameAllowed ? 'text' : 'email'}" inputmode="email" autocomplete="username" required autofocus value="${model.username ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" name="action" value="default">Continue</button>
</form>`;
}

/**
 * One link per social/enterprise connection: each opens that connection's local identity page. `afterForm`:
 * an "Or" separates them from the password form above.
 */
export function connectionButtons(
  transaction: string,
  buttons: readonly ConnectionButton[],
  afterForm = true,
): Raw | string {
  if (buttons.length === 0) return '';
  const links = buttons.map(
    (b) =>
      html`<a class="connection" data-connection="${b.name}" href="${loginUrl(transaction, { connection: b.name })}">${b.label}</a>`,
  );
  return html`${afterForm ? html`<p class="meta">Or</p>` : ''}
<nav class="connections">${raw(links.map((l) => l.value).join('\n'))}</nav>`;
}

/** Shown when the login transaction is gone (expired, finished, or cookies blocked). */
export function renderLoginExpiredPage(): string {
  return page(
    'Login session expired',
    html`<h1>Your login session has expired</h1>
<p class="lead">Go back to the application and sign in again.</p>
<p class="meta">This happens when the login page stayed open for more than an hour, when it was already
used, or when the browser blocks this site's cookies.</p>`,
  );
}
