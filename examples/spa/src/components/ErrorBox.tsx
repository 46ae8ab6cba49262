import type { AppConfig } from '../config.ts';
import type { Failure } from '../session.tsx';

/**
 * Shows why a call failed, as precisely as the protocol says it: the HTTP status and the RFC 6750
 * `error` from the API's `WWW-Authenticate` header, or the SDK's OAuth error when no token could be had.
 */
export function ErrorBox({ failure, config }: { failure: Failure; config: AppConfig }) {
  const api = config.apis[failure.api];
  if (failure.kind === 'token') {
    return (
      <div className="error-box" role="alert" data-testid="api-error" data-status="no-token" data-error={failure.error}>
        <strong>No access token for {api.label}</strong>
        <p>
          <code>{failure.error}</code> {failure.description}
        </p>
        {failure.error === 'missing_scopes' && (
          <p className="hint">
            The tenant issued a token without the scopes this app asks for (your account lacks those permissions), and
            auth0-spa-js refuses such a token when it refreshes with MRRT. In iframe mode the token is issued and the
            API itself answers 403.
          </p>
        )}
        {failure.error === 'login_required' && (
          <p className="hint">
            The tenant saw no session: in a hidden iframe that needs the tenant's cookie, which browsers that block
            third-party cookies do not send.
          </p>
        )}
      </div>
    );
  }
  if (failure.kind === 'network') {
    return (
      <div className="error-box" role="alert" data-testid="api-error" data-status="network" data-error="network">
        <strong>
          {api.label} did not answer ({api.url})
        </strong>
        <p>{failure.description}</p>
      </div>
    );
  }
  return (
    <div
      className="error-box"
      role="alert"
      data-testid="api-error"
      data-status={failure.status}
      data-error={failure.error ?? ''}
    >
      <strong>
        {api.label} answered <span data-testid="api-error-status">{failure.status}</span>
        {failure.error && (
          <>
            {' '}
            <code data-testid="api-error-code">{failure.error}</code>
          </>
        )}
      </strong>
      {failure.description && <p>{failure.description}</p>}
      {failure.wwwAuthenticate && (
        <p className="www-authenticate">
          <span>WWW-Authenticate:</span> <code data-testid="api-error-www-authenticate">{failure.wwwAuthenticate}</code>
        </p>
      )}
    </div>
  );
}
