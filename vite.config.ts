import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { cardinalData } from './scripts/lib/vite-data-plugin.ts';

// No COOP/COEP headers, decided by measurement on the built app (Chromium 156, 2026-11-22):
// with them the page is cross-origin isolated, TF.js picks threaded WASM, its helper workers
// die with "ReferenceError: e is not defined" in the minified bundle and setBackend('wasm')
// never resolves (timed out after 20 s). Without them single-threaded WASM starts in ~0.1 s
// (a 32×32×32×16 3×3 conv forward: 213 ms). See ../shared/DESIGN.md, WASM gotcha 2.
export default defineConfig({
  // cardinalData: serves /data/<dataset>/ and fetches CIFAR on demand (dev and preview).
  plugins: [react(), cardinalData()],
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  worker: { format: 'es' },
  // The dependency optimizer scans index.html's imports at start-up; the training worker is
  // only loaded on the first Train click, so its imports (TF.js and its backends, fflate) were
  // found then, re-optimized, and the dev server reloaded the page mid-run. Scanning the
  // workers too pre-bundles them at start-up (e2e/dev/reload.spec.ts).
  optimizeDeps: { entries: ['index.html', 'src/**/*.worker.ts'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
