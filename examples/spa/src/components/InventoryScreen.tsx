import { useState } from 'react';
import { WRITE_SCOPES } from '../config.ts';
import { type Failure, useSession } from '../session.tsx';
import type { InventoryItem, Product } from '../types.ts';
import { useApiData } from '../use-api-data.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { ScreenHeader } from './ScreenHeader.tsx';

const ACTIONS = [
  { delta: 5, label: 'Receive 5', testId: 'receive-5' },
  { delta: -1, label: 'Write off 1', testId: 'write-off-1' },
] as const;

/**
 * API 3: stock levels, and adjustments. The SPA holds `adjust:inventory` on the Inventory API only; the
 * Inventory API changes the stock in API 1 with its own client grant (`write:stock`), which no user has.
 */
export function InventoryScreen() {
  const { config, call } = useSession();
  const { data, setData, failure, loading, reload } = useApiData<{ items: InventoryItem[] }>('inventory', '/inventory');
  const [busy, setBusy] = useState<string>();
  const [actionFailure, setActionFailure] = useState<Failure>();
  const [last, setLast] = useState<string>();

  async function adjust(item: InventoryItem, delta: number) {
    setBusy(`${item.id}:${delta}`);
    setActionFailure(undefined);
    const result = await call<{ product: Product }>('inventory', 'POST', '/inventory/adjustments', {
      body: { productId: item.id, delta },
      scope: WRITE_SCOPES.adjustInventory,
    });
    setBusy(undefined);
    if (!result.ok) {
      setActionFailure(result.failure);
      return;
    }
    const { product } = result.data;
    setData((current) => ({
      items: (current?.items ?? []).map((i) => (i.id === product.id ? { ...i, stock: product.stock } : i)),
    }));
    setLast(`${product.name}: ${delta > 0 ? '+' : ''}${delta}, now ${product.stock} in stock.`);
  }

  return (
    <section data-testid="inventory-screen">
      <ScreenHeader
        title="Inventory"
        api={`GET /inventory · POST /inventory/adjustments · ${config.apis.inventory.label}`}
        onReload={reload}
        loading={loading}
      >
        Warehouse staff receive and write off stock; the Inventory API updates the catalog machine-to-machine.
      </ScreenHeader>
      {failure && <ErrorBox failure={failure} config={config} />}
      {actionFailure && <ErrorBox failure={actionFailure} config={config} />}
      {last && (
        <p className="notice success" data-testid="inventory-adjusted">
          {last}
        </p>
      )}
      {data && (
        <table className="table" data-testid="inventory">
          <thead>
            <tr>
              <th>Product</th>
              <th className="num">Stock</th>
              <th className="actions">Adjust</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((item) => (
              <tr key={item.id} data-testid="inventory-item" data-product-id={item.id}>
                <td>{item.name}</td>
                <td className="num" data-testid="inventory-stock">
                  {item.stock}
                </td>
                <td className="actions">
                  {ACTIONS.map((a) => (
                    <button
                      key={a.testId}
                      type="button"
                      className="small"
                      data-testid={a.testId}
                      disabled={busy !== undefined || item.stock + a.delta < 0}
                      onClick={() => adjust(item, a.delta)}
                    >
                      {a.label}
                    </button>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
