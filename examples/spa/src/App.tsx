import { useAuth0 } from '@auth0/auth0-react';
import { useState } from 'react';
import { CatalogScreen } from './components/CatalogScreen.tsx';
import { InventoryScreen } from './components/InventoryScreen.tsx';
import { ModeSwitch } from './components/ModeSwitch.tsx';
import { OrdersScreen } from './components/OrdersScreen.tsx';
import { TokenPanel } from './components/TokenPanel.tsx';
import { Welcome } from './components/Welcome.tsx';
import { describeError, useSession } from './session.tsx';
import type { ExchangedToken } from './types.ts';

type Screen = 'catalog' | 'orders' | 'inventory';

/** The ID-token claim the tenant's post-login action adds (examples/actions/roles-in-tokens). */
export const ROLES_CLAIM = 'https://acme.test/roles';

/** The user's roles as the ID token carries them; none when the tenant runs no such action. */
export function rolesOf(user: Record<string, unknown> | undefined): string[] {
  const roles = user?.[ROLES_CLAIM];
  return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
}

export function App() {
  const { isLoading, isAuthenticated, error, user, logout } = useAuth0();
  const { mode, tokens } = useSession();
  const [screen, setScreen] = useState<Screen>('catalog');
  // The token the Orders API got on the customer's behalf (My prices), shown in the token panel.
  const [exchanged, setExchanged] = useState<ExchangedToken>();
  // An error of the redirect callback (e.g. access_denied from the tenant) or of the session check.
  const authError = error ? describeError(error) : undefined;

  // What to show is decided from the inventory token's `permissions` claim; what is ALLOWED is decided by
  // the Inventory API, which is why a customer can still try (and get the API's 403).
  const inventory = tokens.inventory;
  const canSeeInventory = inventory.status === 'ok' && inventory.claims.permissions.includes('read:inventory');
  const tabs: { id: Screen; label: string }[] = [
    { id: 'catalog', label: 'Catalog' },
    { id: 'orders', label: 'Orders' },
    ...(canSeeInventory ? [{ id: 'inventory' as const, label: 'Inventory' }] : []),
  ];

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ◆
          </span>
          <div>
            <h1>Acme Shop</h1>
            <span className="muted small">authmesh reference SPA</span>
          </div>
        </div>
        <ModeSwitch mode={mode} />
        {isAuthenticated && (
          <div className="user">
            <span data-testid="user-email" title={user?.sub}>
              {user?.name ?? user?.email}
              <span className="muted small"> {user?.email}</span>
              <span className="muted small" data-testid="user-roles">
                {' '}
                {rolesOf(user).join(', ') || 'no roles'}
              </span>
            </span>
            <button
              type="button"
              className="ghost"
              data-testid="logout"
              onClick={() => logout({ logoutParams: { returnTo: `${window.location.origin}/` } })}
            >
              Log out
            </button>
          </div>
        )}
      </header>

      {authError && (
        <div className="error-box page" role="alert" data-testid="auth-error" data-error={authError.error}>
          <strong>Login failed</strong> <code>{authError.error}</code> {authError.description}
        </div>
      )}

      {isLoading ? (
        <p className="loading" data-testid="loading">
          Signing you in…
        </p>
      ) : !isAuthenticated ? (
        <main className="single">
          <Welcome />
        </main>
      ) : (
        <main className="layout">
          <div className="content">
            <nav className="tabs" aria-label="Screens">
              {tabs.map((t) => (
                <button
                  key={t.id}
                  type="button"
                  data-testid={`tab-${t.id}`}
                  className={screen === t.id ? 'active' : ''}
                  aria-current={screen === t.id ? 'page' : undefined}
                  onClick={() => setScreen(t.id)}
                >
                  {t.label}
                </button>
              ))}
              {!canSeeInventory && inventory.status !== 'pending' && (
                <span className="locked" data-testid="inventory-locked">
                  Inventory is for staff (
                  {inventory.status === 'ok' ? (
                    <>
                      no <code>read:inventory</code> in your inventory token
                    </>
                  ) : (
                    <>
                      no inventory token: <code>{inventory.error}</code>
                    </>
                  )}
                  ).
                  <button
                    type="button"
                    className="link"
                    data-testid="inventory-try-anyway"
                    onClick={() => setScreen('inventory')}
                  >
                    Try anyway
                  </button>
                </span>
              )}
            </nav>
            {screen === 'catalog' && <CatalogScreen />}
            {screen === 'orders' && <OrdersScreen onExchanged={setExchanged} />}
            {screen === 'inventory' && <InventoryScreen />}
          </div>
          <TokenPanel exchanged={exchanged} />
        </main>
      )}
    </div>
  );
}
