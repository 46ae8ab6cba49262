import { randomUUID } from 'node:crypto';

/** An order as the orders API stores and returns it. `total` is in euros, like the catalog's prices. */
export interface Order {
  id: string;
  productId: string;
  productName: string;
  quantity: number;
  total: number;
  createdAt: string;
}

/** Orders per user (the token's `sub`). In memory: the reference system is about tokens, not persistence. */
export interface OrderStore {
  /** The user's orders, newest first. */
  listFor(subject: string): Order[];
  /** Records a new order for the user and returns it. */
  place(subject: string, line: { productId: string; productName: string; unitPrice: number; quantity: number }): Order;
}

/**
 * Creates an empty store.
 *
 * @example
 * const orders = createOrderStore();
 * orders.place('auth0|123', { productId: 'ceramic-mug', productName: 'Ceramic mug', unitPrice: 12, quantity: 2 });
 */
export function createOrderStore(): OrderStore {
  const bySubject = new Map<string, Order[]>();
  return {
    listFor: (subject) => [...(bySubject.get(subject) ?? [])].reverse(),
    place(subject, line) {
      const order: Order = {
        id: `ord_${randomUUID()}`,
        productId: line.productId,
        productName: line.productName,
        quantity: line.quantity,
        // In cents, then back: 3 × 24.90 must be 74.70, not 74.69999999999999.
        total: Math.round(line.unitPrice * 100 * line.quantity) / 100,
        createdAt: new Date().toISOString(),
      };
      const list = bySubject.get(subject) ?? [];
      list.push(order);
      bySubject.set(subject, list);
      return order;
    },
  };
}
