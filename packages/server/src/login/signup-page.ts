import { html, page, raw } from '../encoding/html.ts';
import { type PasswordRule, ruleText } from '../tenant/password-policy.ts';
import { type ConnectionButton, connectionButtons, loginUrl } from './login-page.ts';

export interface SignupPageModel {
  transaction: string;
  csrf: string;
  applicationName: string;
  tenantName: string;
  email?: string;
  username?: string;
  error?: string;
  /** The rules of the connection's password policy, each with whether the last attempt met it. */
  rules?: readonly PasswordRule[];
  requiresUsername: boolean;
  buttons?: readonly ConnectionButton[];
}

/**
 * The sign-up view of the login page (Auth0's `screen_hint=signup`): e-mail, password (and a username
 * when the connection requires one), posted to the same transaction with `action=signup`.
 */
export function renderSignupPage(model: SignupPageModel): string {
  return page(
    `Sign up | ${model.tenantName}`,
    html`<h1>Create your account</h1>
<p class="lead">Sign up to ${model.tenantName} to continue to <strong>${model.applicationName}</strong>.</p>
${model.error ? html`<p class="alert" role="alert" id="error-message">${model.error}</p>` : ''}
${model.rules && model.rules.length > 0 ? rulesList(model.rules) : ''}
<form method="post" action="${loginUrl(model.transaction)}" novalidate>
<input type="hidden" name="state" value="${model.transaction}">
<input type="hidden" name="csrf" value="${model.csrf}">
<label for="email">Email address</label>
<input id="email" name="email" type="email" inputmode="email" autocomplete="email" required autofocus value="${model.email ?? ''}">
${
  model.requiresUsername
    ? html`<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" required value="${model.username ?? ''}">`
    : ''
}
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required>
<button type="submit" name="action" value="signup">Continue</button>
</form>
<p class="meta">Already have an account? <a id="login-link" href="${loginUrl(model.transaction)}">Log in</a></p>
${connectionButtons(model.transaction, model.buttons ?? [])}`,
  );
}

function rulesList(rules: readonly PasswordRule[]) {
  const items = rules.map((rule) => {
    const text = ruleText(rule);
    const sub = (rule.items ?? []).map((item) => html`<li>${item.verified ? '✓' : '✗'} ${item.message}</li>`);
    return html`<li>${rule.verified ? '✓' : '✗'} ${text}${sub.length > 0 ? html`<ul>${raw(sub.map((s) => s.value).join(''))}</ul>` : ''}</li>`;
  });
  return html`<p class="meta">Your password must contain:</p><ul class="meta" id="password-policy">${raw(items.map((i) => i.value).join(''))}</ul>`;
}
