import type { KoaContextWithOIDC } from 'oidc-provider';
import { html, page } from '../encoding/html.ts';

/**
 * `renderError`: the page a browser sees when the engine must not redirect (unknown client, a
 * `redirect_uri` that is not registered...). Texts follow Auth0 where it has one.
 */
export async function renderErrorPage(
  ctx: KoaContextWithOIDC,
  out: { error: string; error_description?: string },
): Promise<void> {
  const description =
    out.error === 'invalid_redirect_uri'
      ? 'Callback URL mismatch. The provided redirect_uri is not in the list of allowed callback URLs.'
      : (out.error_description ?? 'The request could not be completed.');
  ctx.type = 'html';
  ctx.body = page(
    'Something went wrong',
    html`<h1>Something went wrong</h1>
<p class="lead">The application sent a request this tenant cannot accept.</p>
<p class="alert" role="alert"><strong>${out.error}</strong>: ${description}</p>
<p class="meta">If you develop this application, check its settings in tenant.yaml.</p>`,
  );
}
