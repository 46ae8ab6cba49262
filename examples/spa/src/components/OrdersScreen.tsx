import { type FormEvent, useState } from 'react';
import { WRITE_SCOPES } from '../config.ts';
import { formatPrice } from '../format.ts';
import { type Failure, useSession } from '../session.tsx';
import type { ExchangedToken, Order, Product } from '../types.ts';
import { useApiData } from '../use-api-data.ts';
import { CustomerPricesCard } from './CustomerPrices.tsx';
import { ErrorBox } from './ErrorBox.tsx';
import { ScreenHeader } from './ScreenHeader.tsx';

/**
 * API 2: the user's orders, and placing one. The SPA sends only its orders token; the Orders API then looks
 * the product up in API 1 with its OWN machine-to-machine token (client credentials, `read:products`).
 */
export function OrdersScreen({ onExchanged }: { onExchanged: (token: ExchangedToken) => void }) {
  const { config, call } = useSession();
  const orders = useApiData<{ orders: Order[] }>('orders', '/orders');
  const catalog = useApiData<{ products: Product[] }>('catalog', '/products');
  const [productId, setProductId] = useState('');
  const [quantity, setQuantity] = useState(1);
  const [placing, setPlacing] = useState(false);
  const [placed, setPlaced] = useState<Order>();
  const [failure, setFailure] = useState<Failure>();

  const products = catalog.data?.products ?? [];
  const selected = productId || products[0]?.id || '';

  async function placeOrder(event: FormEvent) {
    event.preventDefault();
    setPlacing(true);
    setFailure(undefined);
    const result = await call<Order>('orders', 'POST', '/orders', {
      body: { productId: selected, quantity },
      scope: WRITE_SCOPES.placeOrder,
    });
    setPlacing(false);
    if (!result.ok) {
      setFailure(result.failure);
      return;
    }
    setPlaced(result.data);
    orders.setData((current) => ({ orders: [result.data, ...(current?.orders ?? [])] }));
  }

  return (
    <section data-testid="orders-screen">
      <ScreenHeader
        title="Orders"
        api={`GET /orders · POST /orders · ${config.apis.orders.label}`}
        onReload={orders.reload}
        loading={orders.loading}
      >
        Your orders. Placing one makes the Orders API call the Catalog API machine-to-machine.
      </ScreenHeader>

      <form className="card order-form" onSubmit={placeOrder}>
        <label>
          Product
          <select
            data-testid="order-product"
            value={selected}
            onChange={(e) => setProductId(e.target.value)}
            disabled={products.length === 0}
          >
            {products.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} · {formatPrice(p.price)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Quantity
          <input
            data-testid="order-quantity"
            type="number"
            min={1}
            max={99}
            value={quantity}
            onChange={(e) => setQuantity(Math.max(1, Number(e.target.value) || 1))}
          />
        </label>
        <button type="submit" className="primary" data-testid="place-order" disabled={!selected || placing}>
          {placing ? 'Placing…' : 'Place order'}
        </button>
      </form>

      <CustomerPricesCard onExchanged={onExchanged} />

      {catalog.failure && <ErrorBox failure={catalog.failure} config={config} />}
      {failure && <ErrorBox failure={failure} config={config} />}
      {placed && (
        <p className="notice success" data-testid="order-placed" data-order-id={placed.id}>
          Order placed: {placed.quantity} × {placed.productName}, {formatPrice(placed.total)}.
        </p>
      )}

      {orders.failure && <ErrorBox failure={orders.failure} config={config} />}
      {orders.data && (
        <table className="table" data-testid="orders">
          <thead>
            <tr>
              <th>Order</th>
              <th>Product</th>
              <th className="num">Qty</th>
              <th className="num">Total</th>
              <th>Placed</th>
            </tr>
          </thead>
          <tbody>
            {orders.data.orders.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  No orders yet.
                </td>
              </tr>
            )}
            {orders.data.orders.map((o) => (
              <tr key={o.id} data-testid="order" data-order-id={o.id}>
                <td>
                  <code>{o.id}</code>
                </td>
                <td>{o.productName}</td>
                <td className="num">{o.quantity}</td>
                <td className="num">{formatPrice(o.total)}</td>
                <td>{new Date(o.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
