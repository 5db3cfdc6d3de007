import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// No COOP/COEP headers: without cross-origin isolation TF.js picks single-threaded WASM, which
// works in the minified build; threaded WASM hangs there and gave no speed-up on 2 cores
// (../shared/DESIGN.md, WASM gotcha 2).
export default defineConfig({
  plugins: [react()],
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
