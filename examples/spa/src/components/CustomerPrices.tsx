import { useState } from 'react';
import { formatPrice } from '../format.ts';
import { type Failure, useSession } from '../session.tsx';
import type { CustomerPrices, ExchangedToken } from '../types.ts';
import { ErrorBox } from './ErrorBox.tsx';

/**
 * The journey that needs the customer's identity downstream: the SPA asks the Orders API for "my prices"; the
 * Orders API exchanges the customer's orders token for a catalog token ON THE CUSTOMER'S BEHALF and asks the
 * Catalog API. The token panel shows what that exchanged token says: `sub` is still the customer, `act` the
 * Orders API.
 */
export function CustomerPricesCard({ onExchanged }: { onExchanged: (token: ExchangedToken) => void }) {
  const { config, call } = useSession();
  const [loading, setLoading] = useState(false);
  const [data, setData] = useState<CustomerPrices>();
  const [failure, setFailure] = useState<Failure>();

  async function load() {
    setLoading(true);
    setFailure(undefined);
    const result = await call<CustomerPrices>('orders', 'GET', '/prices/mine');
    setLoading(false);
    if (result.ok) {
      setData(result.data);
      onExchanged(result.data.exchangedToken);
    } else {
      setFailure(result.failure);
    }
  }

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
    </div>
  );
}
