import { Auth0Provider } from '@auth0/auth0-react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { ConfigError } from './components/ConfigError.tsx';
import { API_NAMES, LOGIN_API, readConfig } from './config.ts';
import { SessionProvider } from './session.tsx';
import { readMode } from './silent-auth-mode.ts';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
const result = readConfig();

if (!result.ok) {
  root.render(<ConfigError missing={result.missing} />);
} else {
  const { config } = result;
  const mode = readMode();
  // Per-audience scopes: each API is asked only for its own scopes (auth0-spa-js picks the entry by the
  // audience of the request). A token is for ONE audience and never carries another API's scopes, so one
  // scope string for all three would be wrong for every token, and MRRT checks each refreshed token against
  // what was asked for its audience. Each entry is the API's read scope (see config.ts for why write scopes
  // are asked for per call). auth0-spa-js adds its default `profile email` only to a string scope; every
  // token response carries an ID token that becomes the SDK's `user`, so each audience asks for them too.
  const scope = Object.fromEntries(
    API_NAMES.map((api) => [config.apis[api].audience, `profile email ${config.apis[api].scope}`]),
  );
  const silentAuth =
    mode === 'refresh'
      ? // One rotating refresh token (in localStorage, so it survives reloads) for all three APIs.
        ({ useRefreshTokens: true, useMrrt: true, cacheLocation: 'localstorage' } as const)
      : // Each new token from a hidden iframe: /authorize?prompt=none with the tenant's session cookie.
        ({ useRefreshTokens: false, cacheLocation: 'memory' } as const);

  // No <StrictMode>: its development-only double effects would make every screen call its API twice, and
  // the token panel and the browser tests show the real sequence of token requests and API calls.
  root.render(
    <Auth0Provider
      domain={config.domain}
      clientId={config.clientId}
      authorizationParams={{
        redirect_uri: `${window.location.origin}/`,
        audience: config.apis[LOGIN_API].audience,
        scope,
      }}
      {...silentAuth}
    >
      <SessionProvider config={config} mode={mode}>
        <App />
      </SessionProvider>
    </Auth0Provider>,
  );
}
