/** Builds the web app (web/) into dist/web: hashed assets under /assets, no inline scripts or styles (the CSP forbids them). */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // Never inline assets as data: URLs into scripts or styles the CSP would have to allow; small icons as files.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:4100' } },
});
