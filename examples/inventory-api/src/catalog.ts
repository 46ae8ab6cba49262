import {
  type CatalogClient,
  type CatalogClientOptions,
  createCatalogClient as createSharedCatalogClient,
} from '../../shared/catalog-client.ts';

export { type CatalogClient, CatalogError, type Product } from '../../shared/catalog-client.ts';

/**
 * API 1 as the inventory API sees it: it reads products and changes their stock, with exactly what the
 * Inventory Service was granted on the catalog.
 */
export function createCatalogClient(options: Omit<CatalogClientOptions, 'caller' | 'scope'>): CatalogClient {
  return createSharedCatalogClient({ ...options, caller: 'inventory-api', scope: 'read:products write:stock' });
}
