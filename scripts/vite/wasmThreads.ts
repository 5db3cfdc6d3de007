// Threaded TF.js WASM in a minified build, and the headers that allow threads at all.
//
// Root cause of the minified-build hang (DESIGN.md, WASM gotcha 2): tfjs-backend-wasm starts
// each pthread worker from source text, `'var WasmBackendModuleThreadedSimd = ' +
// wasmFactoryThreadedSimd.toString()` (dist/backend_wasm.js). In our bundle that function is
// the minifier's rewrite, which refers to names of the bundle's own scope (its `_scriptDir`
// closure variable, renamed, with the `typeof` guard folded away): in the pthread worker they do
// not exist, hence "ReferenceError: e is not defined" and a setBackend('wasm') that never
// resolves. The fix: hand the workers the package's own, unminified Emscripten glue
// (wasm-out/tfjs-backend-wasm-threaded-simd.js, which defines that same global) as a string
// literal, which no minifier rewrites.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Plugin } from 'vite';

const FACTORY_SOURCE =
  /`var WasmBackendModuleThreadedSimd = ` \+\s*wasmFactoryThreadedSimd\.toString\(\)/;

/** The Vite plugin; fails the build loudly if TF.js's code no longer has the expected shape. */
export function tfjsWasmThreads(): Plugin {
  const require = createRequire(import.meta.url);
  let glue: string | null = null;
  return {
    name: 'cardinal:tfjs-wasm-threads',
    transform(code, id) {
      if (
        !/tfjs-backend-wasm[\\/]dist[\\/](backend_wasm\.js|tf-backend-wasm\.fesm\.js)$/.test(id)
      ) {
        return null;
      }
      if (!FACTORY_SOURCE.test(code)) {
        this.error(`${id}: TF.js no longer builds its pthread script as this plugin expects`);
      }
      glue ??= readFileSync(
        require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js'),
        'utf8',
      );
      return { code: code.replace(FACTORY_SOURCE, JSON.stringify(glue)), map: null };
    },
  };
}

/**
 * Cross-origin isolation: SharedArrayBuffer, so WASM threads. `credentialless` rather than
 * `require-corp`, so a cross-origin image or download without CORP headers still loads.
 */
export const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'credentialless',
} as const;
