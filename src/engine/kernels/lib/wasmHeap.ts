// What Cardinal's WASM kernels share: registering a kernel for the 'wasm' backend, TF.js's heap
// (its memory, malloc and free, where each tensor lives in it, outputs and scratch made before
// any view is taken) and compiling generated programs against that memory, once each.

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

/** A tensor's byte offset in the heap. */
export const addressOf = (backend: WasmBackend, t: tf.TensorInfo) =>
  backend.getMemoryOffset(t.dataId);

/** A tensor's first element as an index into HEAPF32. */
export const floatIndex = (backend: WasmBackend, t: tf.TensorInfo) => addressOf(backend, t) / 4;

/** Registers `kernel` as `name` on the wasm backend unless a kernel of that name is there. */
export function registerWasmKernel(
  name: string,
  kernel: (
    /** Inputs by name; an optional one is absent (undefined) when not given. */
    inputs: Record<string, tf.TensorInfo | undefined>,
    backend: WasmBackend,
    attrs: tf.NamedAttrMap,
  ) => tf.TensorInfo | tf.TensorInfo[],
): void {
  if (tf.getKernel(name, 'wasm')) return;
  tf.registerKernel({
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) =>
      kernel(inputs as Record<string, tf.TensorInfo>, backend as WasmBackend, attrs ?? {}),
  });
}

/**
 * Allocates the outputs and `scratch` bytes (float64-aligned), then hands `work` fresh views
 * (a heap growth detaches older ones): float32 over the heap, float64 over the scratch, which
 * is freed however `work` ends.
 */
export function withOutputs(
  heap: WasmBackend,
  outputs: number[][],
  scratch: number,
  work: (o: {
    outs: tf.TensorInfo[];
    scratch: number;
    f32: Float32Array;
    f64: Float64Array;
  }) => void,
): tf.TensorInfo[] {
  const outs = outputs.map((shape) => heap.makeOutput(shape, 'float32'));
  withScratch(heap, [scratch], ([ptr]) => {
    const f64 = new Float64Array(heap.wasm.HEAPF32.buffer, ptr, scratch / 8);
    work({ outs, scratch: ptr, f32: heap.wasm.HEAPF32, f64 });
  });
  return outs;
}

/** Runs `work` on fresh heap blocks of the given sizes, all freed however it ends. */
export function withScratch<T>(
  heap: WasmBackend,
  bytes: number[],
  work: (pointers: number[]) => T,
): T {
  const pointers: number[] = [];
  try {
    for (const size of bytes) pointers.push(heap.wasm._malloc(Math.max(size, 16)));
    return work(pointers);
  } finally {
    for (const p of pointers) heap.wasm._free(p);
  }
}

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
 * key must name everything the code depends on). Where build() gives several functions (one
 * module, calling each other by their place in the list), the last is the one that runs.
 * Synchronous compilation: allowed for any size in a worker and in Node; a page's main thread
 * allows 4 KB (Cardinal runs TF.js in a worker).
 */
export function program(
  backend: WasmBackend,
  key: string,
  build: () => FunctionBuilder | FunctionBuilder[],
): Compiled {
  const memory = heapMemory(backend);
  const shared =
    typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const fullKey = `${key} shared=${shared}`;
  let entry = compiled.get(fullKey);
  if (!entry) {
    const built = build();
    const functions = Array.isArray(built) ? built : [built];
    const f = functions[functions.length - 1];
    // A shared memory's import must declare a maximum no smaller than its own: 4 GiB.
    const bytes = assemble(functions, { shared, maximumPages: 65536 });
    const module = new WebAssembly.Module(bytes);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const run = instance.exports[f.name] as Compiled['run'];
    entry = { run, id: compiled.size, name: f.name, module };
    compiled.set(fullKey, entry);
  }
  return entry;
}
