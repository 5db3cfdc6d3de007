import * as tf from '@tensorflow/tfjs';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelConv2d } from './kernelConv';
import { winogradAlgorithm } from './lib/winograd';
import {
  caseData,
  convResults,
  describeCase,
  drawConvCases,
  expectOursMatchCpu,
  relativeError,
  WIDE_BLOCK_CASES,
  type ConvCase,
} from './lib/convTestCases';
import { wasmInNode } from './lib/testUtil';
import {
  hasRelaxedSimd,
  setFusedMultiplyAdd,
  setLargestWinogradTile,
  setWinograd,
  usesWinograd,
} from './wasmConv';

// Node 20's V8 has relaxed SIMD behind a flag (Chrome and Node 22 ship it): turn it on so the
// fused programs are tested too. It applies to modules compiled from now on.
setFlagsFromString('--experimental-wasm-relaxed-simd');

/** ResNet and ResNeXt shapes (stem, stride-2 3×3 and 1×1 shortcuts, 32×4d groups, odd sizes). */
const MODEL_CASES: ConvCase[] = [
  { x: [2, 9, 9, 3], w: [3, 3, 3, 16], stride: 1, pad: 1, groups: 1 },
  { x: [2, 9, 7, 16], w: [3, 3, 16, 32], stride: 2, pad: 1, groups: 1 },
  { x: [3, 8, 8, 16], w: [1, 1, 16, 32], stride: 2, pad: 0, groups: 1 },
  { x: [2, 6, 6, 128], w: [3, 3, 4, 128], stride: 1, pad: 1, groups: 32 },
  { x: [2, 11, 11, 3], w: [7, 7, 3, 8], stride: 2, pad: 3, groups: 1 },
  { x: [1, 5, 5, 24], w: [3, 3, 8, 24], stride: 1, pad: 2, groups: 3 },
  // Widths from 16 take 6-pixel tiles (17: two and a remainder of 5); ResNet-20's stage 1.
  { x: [1, 17, 17, 16], w: [3, 3, 16, 16], stride: 1, pad: 1, groups: 1 },
  { x: [2, 32, 32, 8], w: [3, 3, 8, 16], stride: 2, pad: 1, groups: 1 },
  // 3×3 stride 1 with an even output: Winograd for y, dx and dw (4, 8, 16, 32, 64 lanes).
  { x: [2, 8, 8, 16], w: [3, 3, 16, 16], stride: 1, pad: 1, groups: 1 },
  { x: [1, 6, 10, 4], w: [3, 3, 4, 8], stride: 1, pad: 1, groups: 1 },
  { x: [3, 4, 4, 32], w: [3, 3, 32, 64], stride: 1, pad: 1, groups: 1 },
  { x: [2, 2, 2, 8], w: [3, 3, 8, 4], stride: 1, pad: 1, groups: 1 },
  // … with groups: ResNeXt-20 4×16d's grouped 3×3, and 3 in, 1 per group.
  { x: [2, 8, 8, 64], w: [3, 3, 16, 64], stride: 1, pad: 1, groups: 4 },
  { x: [1, 6, 6, 12], w: [3, 3, 3, 12], stride: 1, pad: 1, groups: 4 },
];

const cases = [...MODEL_CASES, ...WIDE_BLOCK_CASES, ...drawConvCases(2024, 10)];
/** The Winograd cases whose output sides are multiples of 4: F(4×4) where it is let in. */
const F4_CASES = MODEL_CASES.filter(
  (c) => c.w[0] === 3 && c.stride === 1 && c.pad === 1 && c.x[1] % 4 === 0 && c.x[2] % 4 === 0,
);

describe.each([
  ['multiply + add', false],
  ['relaxed-SIMD fused multiply-add', true],
])('our WASM conv programs (%s)', (_label, fused) => {
  beforeAll(async () => {
    await wasmInNode();
    await tf.setBackend('wasm');
    setFusedMultiplyAdd(fused);
  });
  afterAll(() => setFusedMultiplyAdd(undefined));

  it.skipIf(fused && !hasRelaxedSimd())('have relaxed SIMD where asked for', () => {
    expect(hasRelaxedSimd()).toBe(true);
  });

  it.each(cases.map((c, i) => [describeCase(c), c, i] as const))(
    'y, dx and dw equal the cpu backend: %s',
    async (_name, c, i) => expectOursMatchCpu(c, 300 + 10 * i, 1e-5),
  );

  it('runs 3×3 stride-1 convs as Winograd F(2×2), F(4×4) where asked, any groups, the rest directly', () => {
    const shape = (size: number, stride = 1, groups = 1) => ({
      batch: 2,
      inHeight: size + 2,
      inWidth: size + 2,
      inChannels: 16,
      outHeight: size,
      outWidth: size,
      outChannels: 16,
      filterHeight: 3,
      filterWidth: 3,
      stride,
      groups,
    });
    expect(usesWinograd(shape(32))).toBe(true);
    expect(winogradAlgorithm(shape(32))?.m).toBe(2);
    expect(winogradAlgorithm({ ...shape(32), largestTile: 4 })?.m).toBe(4);
    expect(winogradAlgorithm({ ...shape(6), largestTile: 4 })?.m).toBe(2);
    expect(usesWinograd(shape(17))).toBe(false);
    expect(usesWinograd({ ...shape(16), stride: 2, inHeight: 33, inWidth: 33 })).toBe(false);
    expect(usesWinograd(shape(8, 1, 4))).toBe(true);
    // A group's 2 output channels do not tile: direct (its fallback).
    expect(usesWinograd(shape(8, 1, 8))).toBe(false);
    setWinograd(false);
    expect(usesWinograd(shape(32))).toBe(false);
    setWinograd(true);
  });

  it.each(F4_CASES.map((c, i) => [describeCase(c), c, i] as const))(
    'with F(4×4) let in, y, dx and dw equal the cpu backend: %s',
    async (_name, c, i) => {
      setLargestWinogradTile(4);
      try {
        await expectOursMatchCpu(c, 700 + 10 * i, 1e-5);
      } finally {
        setLargestWinogradTile(2);
      }
    },
  );

  it('Winograd and the direct program agree on y, dx and dw of a ResNet-20 stage-1 conv', async () => {
    const c: ConvCase = { x: [2, 32, 32, 16], w: [3, 3, 16, 16], stride: 1, pad: 1, groups: 1 };
    const data = caseData(c, 11);
    const run = () => convResults(c, data, (x, w) => kernelConv2d(x, w, c));
    const viaWinograd = await run();
    setWinograd(false);
    const direct = await run();
    setWinograd(true);
    expect(relativeError(viaWinograd.y, direct.y)).toBeLessThan(1e-5);
    expect(relativeError(viaWinograd.dx, direct.dx)).toBeLessThan(1e-5);
    expect(relativeError(viaWinograd.dw, direct.dw)).toBeLessThan(1e-5);
  });

  it('leaves no tensors behind, and repeats without growing the heap', async () => {
    const c = MODEL_CASES[1];
    const data = caseData(c, 7);
    await convResults(c, data, (x, w) => kernelConv2d(x, w, c));
    const before = tf.memory().numTensors;
    const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm;
    const bytes = heap.HEAPU8.length;
    for (let r = 0; r < 5; r++) await convResults(c, data, (x, w) => kernelConv2d(x, w, c));
    expect(tf.memory().numTensors).toBe(before);
    expect(heap.HEAPU8.length).toBe(bytes);
  });
});
