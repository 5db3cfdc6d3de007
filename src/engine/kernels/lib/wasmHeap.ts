// What Cardinal's WASM kernels share: TF.js's heap (its memory, malloc and free, and where
// each tensor lives in it) and compiling generated programs against that memory, once each.

import * as tf from '@tensorflow/tfjs';
import { assemble, type FunctionBuilder } from './wasmAssembler';
import type { Compiled } from './wasmThreads';

/** What we use of TF.js's BackendWasm and of the Emscripten module behind it. */
export interface WasmBackend {
  wasm: {
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    HEAPF32: Float32Array;
    /** The threaded build's (shared) memory. */
    wasmMemory?: WebAssembly.Memory;
    /** The single-threaded build's exports, its memory among them. */
    asm?: { memory?: WebAssembly.Memory };
  };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  getMemoryOffset(dataId: object): number;
}

export const asWasmBackend = (backend: unknown) => backend as WasmBackend;

/** A tensor's byte offset in the heap. */
export const addressOf = (backend: WasmBackend, t: tf.TensorInfo) =>
  backend.getMemoryOffset(t.dataId);

export function heapMemory(backend: WasmBackend): WebAssembly.Memory {
  const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new Error("Cardinal's WASM kernels: cannot find TF.js's WebAssembly.Memory");
  }
  return memory;
}

const compiled = new Map<string, Compiled>();

/**
 * The function `build()` emits, compiled against the backend's heap; built once per key (the
 * key must name everything the code depends on). Synchronous compilation: allowed for any size
 * in a worker and in Node; a page's main thread allows 4 KB (Cardinal runs TF.js in a worker).
 */
export function program(backend: WasmBackend, key: string, build: () => FunctionBuilder): Compiled {
  const memory = heapMemory(backend);
  const shared =
    typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const fullKey = `${key} shared=${shared}`;
  let entry = compiled.get(fullKey);
  if (!entry) {
    const f = build();
    // A shared memory's import must declare a maximum no smaller than its own: 4 GiB.
    const bytes = assemble([f], { shared, maximumPages: 65536 });
    const module = new WebAssembly.Module(bytes);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const run = instance.exports[f.name] as Compiled['run'];
    entry = { run, id: compiled.size, name: f.name, module };
    compiled.set(fullKey, entry);
  }
  return entry;
}
