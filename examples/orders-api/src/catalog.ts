import {
  type CatalogClientOptions,
  createCatalogClient as createSharedCatalogClient,
  type CatalogClient as SharedCatalogClient,
} from '../../shared/catalog-client.ts';

export { CatalogError, type Product } from '../../shared/catalog-client.ts';

/** API 1 as the orders API sees it: read-only. */
export type CatalogClient = Omit<SharedCatalogClient, 'adjustStock'>;

/** Least privilege: the Orders Service was granted only `read:products` on the catalog, and only reads. */
export function createCatalogClient(options: Omit<CatalogClientOptions, 'caller' | 'scope'>): CatalogClient {
  const { adjustStock: _unused, ...readOnly } = createSharedCatalogClient({
    ...options,
    caller: 'orders-api',
    scope: 'read:products',
  });
  return readOnly;
}
