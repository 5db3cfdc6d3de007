import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { CROSS_ORIGIN_ISOLATION, tfjsWasmThreads } from './scripts/vite/wasmThreads.ts';

// Cross-origin isolated (COOP/COEP), so TF.js's WASM backend can use threads; the plugin makes
// its pthread workers survive minification (the root cause of the hang that once kept the
// headers off: scripts/vite/wasmThreads.ts, DESIGN.md WASM gotcha 2).
export default defineConfig({
  plugins: [react(), tfjsWasmThreads()],
  server: { host: '127.0.0.1', port: 5173, headers: CROSS_ORIGIN_ISOLATION },
  preview: { host: '127.0.0.1', port: 4173, headers: CROSS_ORIGIN_ISOLATION },
  // TF.js lives in the training worker, whose bundle gets only these plugins.
  worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
