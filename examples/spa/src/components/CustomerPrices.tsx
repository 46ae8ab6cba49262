import { useState } from 'react';
import { formatPrice } from '../format.ts';
import { type Failure, useSession } from '../session.tsx';
import type { CustomerPrices } from '../types.ts';
import { ErrorBox } from './ErrorBox.tsx';

/** The `act` chain as a list of actors, current first (RFC 8693 §4.1 nests earlier actors inside). */
function actorsOf(act: unknown): string[] {
  const actors: string[] = [];
  let current = act as { sub?: unknown; act?: unknown } | undefined;
  while (current && typeof current === 'object' && typeof current.sub === 'string') {
    actors.push(current.sub);
    current = current.act as typeof current;
  }
  return actors;
}

/**
 * The journey that needs the customer's identity downstream: the SPA asks the Orders API for "my prices"; the
 * Orders API exchanges the customer's orders token for a catalog token ON THE CUSTOMER'S BEHALF and asks the
 * Catalog API. The card shows what that exchanged token says: `sub` is still the customer, `act` the Orders API.
 */
export function CustomerPricesCard() {
  const { config, call } = useSession();
  const [loading, setLoading] = useState(false);
  const [data, setData] = useState<CustomerPrices>();
  const [failure, setFailure] = useState<Failure>();

  async function load() {
    setLoading(true);
    setFailure(undefined);
    const result = await call<CustomerPrices>('orders', 'GET', '/prices/mine');
    setLoading(false);
    if (result.ok) setData(result.data);
    else setFailure(result.failure);
  }

  const claims = data?.exchangedToken;
  const actors = actorsOf(claims?.act);
  return (
    <div className="card" data-testid="customer-prices-card">
      <p>
        <button type="button" data-testid="load-my-prices" onClick={load} disabled={loading}>
          {loading ? 'Asking…' : 'My prices'}
        </button>{' '}
        <span className="muted small">
          The Orders API asks the Catalog API on your behalf (token exchange); stock and products stay
          machine-to-machine.
        </span>
      </p>
      {failure && <ErrorBox failure={failure} config={config} />}
      {data && (
        <table className="table" data-testid="my-prices">
          <thead>
            <tr>
              <th>Product</th>
              <th className="num">List</th>
              <th className="num">Yours</th>
            </tr>
          </thead>
          <tbody>
            {data.prices.map((p) => (
              <tr key={p.id} data-testid="my-price" data-product-id={p.id}>
                <td>{p.name}</td>
                <td className="num">{formatPrice(p.listPrice)}</td>
                <td className="num">{formatPrice(p.yourPrice)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {claims && (
        <div className="token-card ok" data-testid="exchanged-token">
          <div className="token-card-title">
            <strong>Token the Catalog API received</strong>
            <span className="badge ok">on your behalf</span>
          </div>
          <dl className="claims">
            <dt>aud</dt>
            <dd data-testid="exchanged-aud">{String(claims.aud)}</dd>
            <dt>sub</dt>
            <dd data-testid="exchanged-sub">{String(claims.sub)}</dd>
            <dt>act</dt>
            <dd data-testid="exchanged-act" data-actors={actors.join(' ')}>
              {actors.length > 0 ? actors.join(' ← ') : <span className="muted">none</span>}
            </dd>
            <dt>scope</dt>
            <dd data-testid="exchanged-scope">{typeof claims.scope === 'string' ? claims.scope : '—'}</dd>
          </dl>
        </div>
      )}
    </div>
  );
}
