import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/*
 * The console is served by the tenant under /console/ with a strict Content-Security-Policy
 * (script-src 'self', style-src 'self'): no inline script or style may be emitted, so the modulepreload
 * polyfill (an inline script) is off. The build lands in the server package, which ships it.
 * `npm run dev` (http://localhost:5180/console/) proxies /console/api and /api/v2 to a tenant on AUTHMESH_URL
 * (default http://localhost:4000).
 */
const tenant = process.env.AUTHMESH_URL ?? 'http://localhost:4000';

export default defineConfig({
  base: '/console/',
  plugins: [react()],
  clearScreen: false,
  build: {
    outDir: '../server/console',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    // Inlined assets would be data: URLs in CSS; files keep the CSP simple and cacheable.
    assetsInlineLimit: 0,
  },
  // Not 5173: that is the reference SPA's port, and both may run at once.
  server: {
    port: 5180,
    proxy: { '/console/api': tenant, '/api/v2': tenant },
  },
});
