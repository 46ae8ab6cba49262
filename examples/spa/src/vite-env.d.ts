/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_AUTH0_DOMAIN?: string;
  readonly VITE_AUTH0_CLIENT_ID?: string;
  readonly VITE_CATALOG_AUDIENCE?: string;
  readonly VITE_ORDERS_AUDIENCE?: string;
  readonly VITE_INVENTORY_AUDIENCE?: string;
  readonly VITE_CATALOG_URL?: string;
  readonly VITE_ORDERS_URL?: string;
  readonly VITE_INVENTORY_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
