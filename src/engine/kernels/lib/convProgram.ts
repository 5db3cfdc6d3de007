// What Cardinal's WebGPU convolution kernels share: the conv's geometry with PyTorch's
// semantics (symmetric padding, groups), and a flat WebGPUProgram that TF.js's WebGPU backend
// compiles and dispatches for us (WebGPUBackend.runWebGPUProgram, DESIGN.md).
//
// Every shape, stride and padding is baked into the WGSL as a constant rather than passed as a
// uniform: a network has few distinct conv shapes, so a pipeline per shape costs little, and
// constant loop bounds let the shader compiler unroll the kh × kw loops and turn the index
// arithmetic into shifts and multiplies by constants (it matters on SwiftShader, a CPU).

import type * as tf from '@tensorflow/tfjs';
// Types only: importing the backend's code here would register it before dawn.node has made
// navigator.gpu exist in Node (scripts/bench.ts imports the engine first), and then never.
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

/** A 2-D convolution x [N, H, W, inC] * w [kh, kw, inC/groups, outC] → [N, outH, outW, outC]. */
export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kh: number;
  kw: number;
  stride: number;
  /** Zero pixels on each of the four sides (PyTorch's `padding`). */
  pad: number;
  groups: number;
  inPerGroup: number;
  outPerGroup: number;
}

type Shape4 = readonly [number, number, number, number];

/** The geometry of groupedConv2d(x, w, {stride, pad, groups}); throws on shapes that do not fit. */
export function convGeometry(
  xShape: Shape4,
  wShape: Shape4,
  stride: number,
  pad: number,
  groups: number,
): ConvGeometry {
  const [batch, inH, inW, inC] = xShape;
  const [kh, kw, inPerGroup, outC] = wShape;
  if (inPerGroup * groups !== inC || outC % groups !== 0) {
    throw new Error(
      `conv: ${inC} input and ${outC} output channels with filter ${wShape.join('×')} do not ` +
        `split into ${groups} groups`,
    );
  }
  // PyTorch: floor((in + 2·pad − k) / stride) + 1.
  const outH = Math.floor((inH + 2 * pad - kh) / stride) + 1;
  const outW = Math.floor((inW + 2 * pad - kw) / stride) + 1;
  if (outH < 1 || outW < 1) {
    throw new Error(
      `conv: a ${kh}×${kw} filter does not fit a ${inH}×${inW} input padded by ${pad}`,
    );
  }
  return {
    batch,
    inH,
    inW,
    inC,
    outH,
    outW,
    outC,
    kh,
    kw,
    stride,
    pad,
    groups,
    inPerGroup,
    outPerGroup: outC / groups,
  };
}

/** A short stable key of the geometry, for shader keys: one pipeline per distinct conv. */
export function geometryKey(g: ConvGeometry): string {
  return [g.batch, g.inH, g.inW, g.inC, g.outC, g.kh, g.kw, g.stride, g.pad, g.groups].join('_');
}

/** Invocations per workgroup of every program here: 64 is what TF.js's flat programs use. */
export const WORKGROUP_SIZE = 64;

/**
 * A program with `invocations` threads in a flat 1-D layout: WGSL `fn main(index: i32)` with
 * `index < uniforms.size` checked by the body. TF.js reshapes the dispatch into 2-D when it
 * passes the per-dimension limit, and getGlobalIndex() undoes that.
 */
export function flatProgram(
  shaderKey: string,
  variableNames: string[],
  outputShape: number[],
  invocations: number,
  body: string,
): WebGPUProgram {
  // The layout names every output dimension (so TF.js's generated helpers stay consistent and
  // main() gets the flat global index); the dispatch itself is sized by `invocations`.
  const dispatchLayout = { x: outputShape.map((_, i) => i) };
  return {
    shaderKey,
    variableNames,
    outputShape,
    // size: TF.js adds uniforms.size = elements of outputShape; we pass our own count instead.
    size: false,
    uniforms: 'invocations : i32,',
    dispatchLayout,
    dispatch: [Math.ceil(invocations / WORKGROUP_SIZE), 1, 1],
    workgroupSize: [WORKGROUP_SIZE, 1, 1],
    getUserCode: () => `
      fn main(index : i32) {
        if (index >= uniforms.invocations) { return; }
        ${body}
      }`,
  };
}

/** Invocations a flat program of `invocations` threads really dispatches (whole workgroups). */
export function dispatchedInvocations(invocations: number): number {
  return Math.ceil(invocations / WORKGROUP_SIZE) * WORKGROUP_SIZE;
}

/** Runs a flatProgram on the WebGPU backend; the caller owns the returned TensorInfo. */
export function runFlat(
  backend: WebGPUBackend,
  program: WebGPUProgram,
  inputs: tf.TensorInfo[],
  invocations: number,
): tf.TensorInfo {
  return backend.runWebGPUProgram(program, inputs, 'float32', [
    { type: 'int32', data: [invocations] },
  ]);
}

/**
 * Channels one invocation handles: 4 where a group's channels come in fours, else the largest
 * divisor up to 8 (14 → 7, 10 → 5, 6 → 6). Each value read from the other operand is used
 * `block` times, so a narrow group (ResNeXt's C = 8 at d = 14) keeps about the reads per
 * multiply-add of a wide one instead of falling back to pairs. Held as vec4 parts (sum0, sum1).
 */
export type Block = number;

export function blockFor(channelsPerGroup: number): Block {
  if (channelsPerGroup % 4 === 0) return 4;
  for (let b = 8; b > 1; b--) if (channelsPerGroup % b === 0) return b;
  return 1;
}

type PartWidth = 1 | 2 | 3 | 4;

/** A block's vec4 parts as [offset, width]: 7 → [0, 4], [4, 3]. */
function parts(width: Block): [number, PartWidth][] {
  const out: [number, PartWidth][] = [];
  for (let offset = 0; offset < width; offset += 4) {
    out.push([offset, Math.min(4, width - offset) as PartWidth]);
  }
  return out;
}

const partType = (width: PartWidth) => (width === 1 ? 'f32' : `vec${width}<f32>`);

/**
 * WGSL that splits a flat invocation index over an NHWC tensor [n, h, w, c] with `width`
 * channels per invocation: `channel` (the block's first), `pixel`, and n, `row`, `col`.
 */
export function unpackIndex(
  names: { channel: string; row: string; col: string },
  channels: number,
  height: number,
  width: number,
  block: Block,
): string {
  const { channel, row, col } = names;
  return `
    let ${channel} = (index % ${channels / block}) * ${block};
    let pixel = index / ${channels / block};
    let ${col} = pixel % ${width};
    let ${row} = (pixel / ${width}) % ${height};
    let n = pixel / ${width * height};`;
}

/** WGSL that declares a block's accumulators, zeroed. */
export function declareSum(width: Block): string {
  return parts(width)
    .map(([, w], p) => `var sum${p} = ${partType(w)}(0.0);`)
    .join(' ');
}

/** WGSL that adds term(offset, width) to each accumulator (term gives a value of that width). */
export function addToSum(width: Block, term: (offset: number, width: PartWidth) => string): string {
  return parts(width)
    .map(([offset, w], p) => `sum${p} += ${term(offset, w)};`)
    .join('\n');
}

/** WGSL that reads `width` (≤ 4) floats of `array`, `step` apart from `at`, as one value. */
export function load(array: string, at: string, width: PartWidth, step = '1'): string {
  if (width === 1) return `${array}[${at}]`;
  const offsets = Array.from({ length: width }, (_, k) =>
    k === 0 ? '' : step === '1' ? ` + ${k}` : ` + ${k} * ${step}`,
  );
  return `${partType(width)}(${offsets.map((o) => `${array}[${at}${o}]`).join(', ')})`;
}

/** WGSL that writes a block's accumulators to result[at …]. */
export function storeSum(at: string, width: Block): string {
  return parts(width)
    .map(([offset, w], p) =>
      w === 1
        ? `result[${at} + ${offset}] = sum${p};`
        : `for (var k = 0; k < ${w}; k++) { result[${at} + ${offset} + k] = sum${p}[k]; }`,
    )
    .join('\n');
}

/** What TF.js hands a kernel function. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** The kernel's inputs in the order `names` gives, or a clear error naming the missing one. */
export function namedInputs(inputs: tf.NamedTensorInfoMap, names: string[]): tf.TensorInfo[] {
  return names.map((name) => {
    const info = inputs[name];
    if (!info) throw new Error(`kernel input "${name}" is missing`);
    return info;
  });
}
