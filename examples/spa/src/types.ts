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
