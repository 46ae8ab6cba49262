import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { html, page, raw } from '../encoding/html.ts';
import { consentKey } from '../engine/grants.ts';
import type { TenantContext } from '../tenant/context.ts';
import type { CsrfTokens } from './csrf.ts';
import { readLoginForm } from './login-form.ts';
import { loginUrl } from './login-page.ts';

export interface ConsentDeps {
  tenant: TenantContext;
  provider: Provider;
  csrf: CsrfTokens;
  tenantName: string;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** Auth0's error when the user declines: `access_denied` back to the application. */
const DECLINED = 'User did not authorize the request';

/**
 * The consent page Auth0 shows before a third-party application (`is_first_party: false`) gets a
 * user's data: the scopes it asks for, Accept and Decline. First-party applications never see it (the
 * engine's grant is extended without asking, see engine/grants.ts). Accepting is remembered for that
 * user and application, as Auth0 remembers it, so the page is shown once; declining sends Auth0's
 * `access_denied` "User did not authorize the request" back to the application.
 *
 * Called by the login route for a transaction whose prompt is `consent`; POSTs need the transaction's
 * CSRF token and, when the browser sends one, a same-origin `Origin`.
 */
export async function handleConsent(deps: ConsentDeps, ctx: Context, details: Details): Promise<void> {
  const transaction = details.uid;
  const clientId = String(details.params.client_id);
  const applicationName = deps.tenant.registry.client(clientId)?.name ?? 'the application';
  if (ctx.method === 'GET') {
    ctx.status = 200;
    ctx.type = 'html';
    ctx.body = renderConsentPage({
      transaction,
      csrf: deps.csrf.issue(transaction),
      applicationName,
      tenantName: deps.tenantName,
      scopes: requestedScopes(details),
    });
    return;
  }
  const origin = ctx.get('Origin');
  if (origin && origin !== new URL(deps.tenant.issuer).origin) {
    ctx.status = 403;
    ctx.body = 'Forbidden: cross-origin consent submission.';
    return;
  }
  const submitted = await readLoginForm(ctx.req);
  if (!('form' in submitted) || !deps.csrf.verify(transaction, submitted.form.get('csrf'))) {
    ctx.status = 403;
    ctx.body = 'Forbidden: the consent form has expired or was not issued by this tenant. Reload the page.';
    return;
  }
  const accountId = details.session?.accountId;
  if (submitted.form.get('action') !== 'accept' || accountId === undefined) {
    await deps.provider.interactionFinished(
      ctx.req,
      ctx.res,
      { error: 'access_denied', error_description: DECLINED },
      { mergeWithLastSubmission: false },
    );
    ctx.respond = false;
    return;
  }
  await deps.tenant.storage.setState(consentKey(accountId, clientId), true);
  // The engine's loadExistingGrant adds what the request asks for to this grant once consent is known.
  const grant = new deps.provider.Grant({ accountId, clientId });
  const grantId = await grant.save();
  await deps.provider.interactionFinished(
    ctx.req,
    ctx.res,
    { consent: { grantId } },
    { mergeWithLastSubmission: true },
  );
  ctx.respond = false;
}

/** The OpenID and API scopes of the request, as the page lists them. */
function requestedScopes(details: Details): string[] {
  const scope = typeof details.params.scope === 'string' ? details.params.scope : '';
  return [...new Set(scope.split(' ').filter((s) => s !== ''))];
}

interface ConsentPageModel {
  transaction: string;
  csrf: string;
  applicationName: string;
  tenantName: string;
  scopes: readonly string[];
}

function renderConsentPage(model: ConsentPageModel): string {
  const action = loginUrl(model.transaction);
  const items = model.scopes.map((s) => html`<li><code>${s}</code></li>`);
  return page(
    `Authorize ${model.applicationName} | ${model.tenantName}`,
    html`<h1>Authorize ${model.applicationName}</h1>
<p class="lead"><strong>${model.applicationName}</strong> is requesting access to your ${model.tenantName} account.</p>
<ul id="scopes">${raw(items.map((i) => i.value).join(''))}</ul>
<form method="post" action="${action}">
<input type="hidden" name="state" value="${model.transaction}">
<input type="hidden" name="csrf" value="${model.csrf}">
<button type="submit" name="action" value="accept" id="accept">Accept</button>
<button type="submit" name="action" value="decline" id="decline">Decline</button>
</form>`,
  );
}
