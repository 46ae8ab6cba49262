/** The JSON the three APIs answer with. */
export interface Product {
  id: string;
  name: string;
  price: number;
  stock: number;
}

export interface Order {
  id: string;
  productId: string;
  productName: string;
  quantity: number;
  total: number;
  createdAt: string;
}

export interface InventoryItem {
  id: string;
  name: string;
  stock: number;
}

/** `GET /prices/mine` of the Orders API: the catalog's answer on the customer's behalf, and the exchanged token's claims. */
export interface CustomerPrices {
  customer: string;
  actors: string[];
  prices: { id: string; name: string; listPrice: number; yourPrice: number }[];
  exchangedToken: ExchangedToken;
}

/** The claims of the token the Orders API got on the customer's behalf (the API sends claims, never the token). */
export interface ExchangedToken {
  aud: unknown;
  sub: unknown;
  act: unknown;
  scope: unknown;
  permissions: unknown;
  exp: unknown;
}
