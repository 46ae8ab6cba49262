import { formatPrice } from '../format.ts';
import { useSession } from '../session.tsx';
import type { Product } from '../types.ts';
import { useApiData } from '../use-api-data.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { ScreenHeader } from './ScreenHeader.tsx';

/** API 1: the products, with a token whose audience is the catalog and that carries `read:products`. */
export function CatalogScreen() {
  const { config } = useSession();
  const { data, failure, loading, reload } = useApiData<{ products: Product[] }>('catalog', '/products');
  return (
    <section data-testid="catalog-screen">
      <ScreenHeader
        title="Catalog"
        api={`GET /products · ${config.apis.catalog.label}`}
        onReload={reload}
        loading={loading}
      >
        What the shop sells, and how many are in stock.
      </ScreenHeader>
      {failure && <ErrorBox failure={failure} config={config} />}
      {data && (
        <ul className="product-grid" data-testid="catalog">
          {data.products.map((p) => (
            <li key={p.id} className="card product" data-testid="product" data-product-id={p.id}>
              <span className="product-name" data-testid="product-name">
                {p.name}
              </span>
              <span className="product-price">{formatPrice(p.price)}</span>
              <span className={p.stock > 0 ? 'stock' : 'stock out'}>
                <span data-testid="product-stock">{p.stock}</span> in stock
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
