import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { cardinalData } from './scripts/lib/vite-data-plugin.ts';
import { CROSS_ORIGIN_ISOLATION, tfjsWasmThreads } from './scripts/vite/wasmThreads.ts';

// Cross-origin isolated (COOP/COEP), so TF.js's WASM backend can use threads; the plugin makes
// its pthread workers survive minification (the root cause of the hang that once kept the
// headers off: scripts/vite/wasmThreads.ts, DESIGN.md WASM gotcha 2).
export default defineConfig({
  // cardinalData: serves /data/<dataset>/ and fetches CIFAR on demand (dev and preview).
  plugins: [react(), tfjsWasmThreads(), cardinalData()],
  server: { host: '127.0.0.1', port: 5173, headers: CROSS_ORIGIN_ISOLATION },
  preview: { host: '127.0.0.1', port: 4173, headers: CROSS_ORIGIN_ISOLATION },
  // TF.js lives in the training worker, whose bundle gets only these plugins.
  worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
  // The dependency optimizer scans index.html's imports at start-up; the training worker is
  // only loaded on the first Train click, so its imports (TF.js and its backends, fflate) were
  // found then, re-optimized, and the dev server reloaded the page mid-run. Scanning the
  // workers too pre-bundles them at start-up (e2e/dev/reload.spec.ts).
  optimizeDeps: { entries: ['index.html', 'src/**/*.worker.ts'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
