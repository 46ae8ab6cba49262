import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The tenant's SPA client allows exactly one origin (http://localhost:5173 in examples/tenant.yaml), so the
// dev server must fail rather than silently move to another port. `vite --port <n>` overrides the port.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  preview: { port: 5173, strictPort: true },
});
