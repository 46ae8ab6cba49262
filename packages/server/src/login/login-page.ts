import { html, page } from '../encoding/html.ts';

export interface LoginPageModel {
  /** The interaction uid (Auth0 calls it `state` in /u/login URLs). */
  transaction: string;
  csrf: string;
  applicationName: string;
  tenantName: string;
  username?: string;
  error?: string;
}

/**
 * The login form: plain HTML that works without JavaScript, inputs named `username` and `password`
 * as Auth0's Universal Login names them (password managers and test scripts rely on the names).
 */
export function renderLoginPage(model: LoginPageModel): string {
  const action = `/u/login?state=${encodeURIComponent(model.transaction)}`;
  return page(
    `Log in | ${model.tenantName}`,
    html`<h1>Welcome</h1>
<p class="lead">Log in to ${model.tenantName} to continue to <strong>${model.applicationName}</strong>.</p>
${model.error ? html`<p class="alert" role="alert" id="error-message">${model.error}</p>` : ''}
<form method="post" action="${action}" novalidate>
<input type="hidden" name="state" value="${model.transaction}">
<input type="hidden" name="csrf" value="${model.csrf}">
<label for="username">Email address</label>
<input id="username" name="username" type="email" inputmode="email" autocomplete="username" required autofocus value="${model.username ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" name="action" value="default">Continue</button>
</form>`,
  );
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
