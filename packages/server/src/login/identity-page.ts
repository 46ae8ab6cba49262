import { html, page, raw } from '../encoding/html.ts';
import { loginUrl } from './login-page.ts';

export interface IdentityPageModel {
  transaction: string;
  csrf: string;
  applicationName: string;
  tenantName: string;
  /** The connection's name (`google-oauth2`) and strategy. */
  connection: string;
  strategy: string;
  /** Test identities used with this connection before, offered for one click. */
  known: readonly { email: string; name: string }[];
  error?: string;
}

/**
 * The local stand-in for a social or enterprise identity provider: instead of Google's or a SAML IdP's
 * page, the developer picks a test identity used before or types one (e-mail and name). Nothing leaves
 * the machine; the tenant then signs the user in as that connection's user (`<strategy>|<id>`).
 */
export function renderIdentityPage(model: IdentityPageModel): string {
  const action = loginUrl(model.transaction);
  const hidden = html`<input type="hidden" name="state" value="${model.transaction}">
<input type="hidden" name="csrf" value="${model.csrf}">
<input type="hidden" name="connection" value="${model.connection}">`;
  const known = model.known.map(
    (identity) => html`<form method="post" action="${action}">${hidden}
<input type="hidden" name="email" value="${identity.email}">
<input type="hidden" name="name" value="${identity.name}">
<button type="submit" class="secondary" name="action" value="identity">${identity.name} (${identity.email})</button>
</form>`,
  );
  return page(
    `${model.connection} | ${model.tenantName}`,
    html`<h1>Sign in with ${model.connection}</h1>
<p class="lead">Local test identity provider for <strong>${model.applicationName}</strong>: no data leaves
this machine. Pick or type the identity ${model.connection} would return.</p>
${model.error ? html`<p class="alert" role="alert" id="error-message">${model.error}</p>` : ''}
${raw(known.map((k) => k.value).join('\n'))}
<form method="post" action="${action}" novalidate>${hidden}
<label for="email">Email address</label>
<input id="email" name="email" type="email" inputmode="email" required autofocus>
<label for="name">Name</label>
<input id="name" name="name" type="text" autocomplete="name">
<button type="submit" name="action" value="identity">Continue as this ${model.strategy} user</button>
</form>
<p class="meta"><a href="${loginUrl(model.transaction, { screen: 'login' })}">Back to the login page</a></p>`,
  );
}
