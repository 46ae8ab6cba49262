/** A product as the catalog serves it. `price` is in euros; `stock` is units in the warehouse. */
export interface Product {
  id: string;
  name: string;
  price: number;
  stock: number;
}

/** Why a stock change was refused. */
export type StockRefusal = { reason: 'not_found' } | { reason: 'negative_stock'; stock: number };

/** The catalog's data. In memory: the reference system is about tokens, not persistence. */
export interface ProductStore {
  list(): Product[];
  /** Adds `delta` (negative to write off) to a product's stock, which never goes below zero. */
  adjustStock(id: string, delta: number): { product: Product } | StockRefusal;
}

/** What every start of the catalog begins with. */
export const SEED_PRODUCTS: readonly Product[] = [
  { id: 'espresso-beans', name: 'Espresso beans, 1 kg', price: 24.9, stock: 40 },
  { id: 'hand-grinder', name: 'Hand grinder', price: 89, stock: 12 },
  { id: 'pour-over-kettle', name: 'Pour-over kettle', price: 54.5, stock: 8 },
  { id: 'paper-filters', name: 'Paper filters, 100 pcs', price: 6.2, stock: 150 },
  { id: 'ceramic-mug', name: 'Ceramic mug', price: 12, stock: 60 },
];

/**
 * Creates a store holding copies of `seed`.
 *
 * @example
 * const store = createProductStore();
 * store.adjustStock('ceramic-mug', -2); // { product: { id: 'ceramic-mug', …, stock: 58 } }
 */
export function createProductStore(seed: readonly Product[] = SEED_PRODUCTS): ProductStore {
  const products = new Map(seed.map((p) => [p.id, { ...p }]));
  return {
    // Copies, so that callers cannot change the stock behind the store's back.
    list: () => [...products.values()].map((p) => ({ ...p })),
    adjustStock(id, delta) {
      const product = products.get(id);
      if (!product) return { reason: 'not_found' };
      if (product.stock + delta < 0) return { reason: 'negative_stock', stock: product.stock };
      product.stock += delta;
      return { product: { ...product } };
    },
  };
}
