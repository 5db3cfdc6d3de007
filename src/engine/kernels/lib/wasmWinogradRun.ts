// Runs a conv as Winograd (wasmWinogradPrograms.ts) for wasmConv.ts, which decides where it
// applies: the forward conv (and the stride-1 input gradient, a forward conv of dy) and the
// filter gradient, the batch's images shared over the helper threads, each thread with its own
// scratch for the transformed tiles.

import { heapMemory, program, withScratch, type WasmBackend } from './wasmHeap';
import type { ConvShape } from './wasmConvPrograms';
import { runShares, threadsFor } from './wasmThreads';
import {
  filterGradBlock,
  winogradFilterGradPrograms,
  winogradPrograms,
} from './wasmWinogradPrograms';
import { filterFromSumsProgram, weightTransformProgram } from './wasmWinogradTransforms';
import { winogradBytes } from './winograd';

/**
 * out = the conv of `shape` (input padded, filter HWIO; byte offsets in the heap): the filter
 * transformed once into U, then each image through V and M in its thread's scratch.
 */
export function winogradForward(
  heap: WasmBackend,
  shape: ConvShape,
  fused: boolean,
  x: number,
  w: number,
  out: number,
): void {
  const memory = heapMemory(heap);
  const key = JSON.stringify(shape);
  const run = program(heap, `winograd fused=${fused} ${key}`, () => winogradPrograms(shape, fused));
  const weights = program(heap, `winograd weights ${key}`, () => weightTransformProgram(shape));
  const bytes = winogradBytes(shape);
  const perThread = bytes.v + bytes.m;
  const threads = threadsFor(memory, shape.batch);
  withScratch(heap, [bytes.u, threads * perThread], ([u, scratch]) => {
    weights.run(w, u);
    runShares(memory, run, shape.batch, (t) => {
      const v = scratch + t * perThread;
      return [x, u, out, v, v + bytes.v];
    });
  });
}

/**
 * dw = the filter gradient of `shape` from the padded input x and dy (byte offsets): each
 * thread adds its images' per-ξ sums into its own Z (zeroed first), and filterFromSums adds
 * them up as it reads them, so no pass over them runs in JavaScript.
 */
export function winogradFilterGrad(
  heap: WasmBackend,
  shape: ConvShape,
  fused: boolean,
  x: number,
  dy: number,
  dw: number,
): void {
  const memory = heapMemory(heap);
  const key = JSON.stringify(shape);
  const run = program(heap, `winograd filterGrad fused=${fused} ${key}`, () =>
    winogradFilterGradPrograms(shape, fused),
  );
  const threads = threadsFor(memory, shape.batch);
  const toFilter = program(heap, `winograd filterFromSums ${threads} ${key}`, () =>
    filterFromSumsProgram(shape, threads),
  );
  const bytes = winogradBytes(shape);
  const block = filterGradBlock(shape);
  const perThread = block * (bytes.v + bytes.m);
  withScratch(heap, [threads * bytes.u, threads * perThread], ([z, scratch]) => {
    heap.wasm.HEAPF32.fill(0, z / 4, (z + threads * bytes.u) / 4);
    runShares(memory, run, shape.batch, (t) => {
      const v = scratch + t * perThread;
      return [x, dy, z + t * bytes.u, v, v + block * bytes.v];
    });
    toFilter.run(z, dw);
  });
}
