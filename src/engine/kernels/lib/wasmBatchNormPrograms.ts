// The four full-size passes of batch norm in training as WASM SIMD programs (batchNormWasm.ts
// runs them), for NHWC tensors seen as [rows, C] with C a multiple of 4. Per-channel values
// (shift, scale, sums, coefficients) live in small tables in the heap that the kernel fills
// and reads; every pass walks the rows once, four channels to a vector.
//
// Sums are float64 (f64x2, two channels to a vector), as PyTorch's CPU batch norm accumulates:
// a float32 sum over 32,768 values per channel made a 50-step run drift 5% (wasmReductions.ts).

import { FunctionBuilder } from './wasmAssembler';

export interface BnFlags {
  channels: number;
  relu: boolean;
  residual: boolean;
}

/**
 * Emits `for row in [from, to): for each 4 channels at byte offset c: body(row, c)`, with `row`
 * the row's byte offset (row · C · 4) and `c` stepping through the row. The last two
 * parameters are from and to (batchNormWasm.ts passes all rows, on one thread).
 */
function rowsAndChannels(
  f: FunctionBuilder,
  channels: number,
  body: (row: number, c: number) => void,
) {
  const [FROM, TO] = [f.params.length - 2, f.params.length - 1];
  const row = f.local('i32');
  const end = f.local('i32');
  const c = f.local('i32');
  f.get(FROM)
    .i32(channels * 4)
    .mul()
    .set(row);
  f.get(TO)
    .i32(channels * 4)
    .mul()
    .set(end);
  f.doWhile(
    row,
    channels * 4,
    () => f.get(end),
    () => {
      f.i32(0).set(c);
      f.doWhile(c, 16, channels * 4, () => body(row, c));
    },
  );
}

/** Pushes address base + row + c (+ offset via the memarg). */
const at = (f: FunctionBuilder, base: number, ...offsets: number[]) => {
  f.get(base);
  for (const o of offsets) f.get(o).add();
  return f;
};

/**
 * stats(x, shift, sums, from, to): over rows [from, to), sums[0..C) += Σ (x − shift), sums[C..2C) += Σ (x − shift)²,
 * float64, shift per channel (float32; the first row, so a large mean cannot cancel the
 * variance away).
 */
export function statsProgram(channels: number): FunctionBuilder {
  const f = new FunctionBuilder('stats', ['i32', 'i32', 'i32', 'i32', 'i32']);
  const [X, SHIFT, SUMS] = [0, 1, 2];
  const d = f.local('v128');
  const sumsAt = f.local('i32');
  rowsAndChannels(f, channels, (row, c) => {
    for (let half = 0; half < 2; half++) {
      // Channels c/4 + 2·half, +1: two floats, promoted to two float64s.
      at(f, X, row, c)
        .load64Zero(half * 8)
        .f64x2PromoteLow();
      at(f, SHIFT, c)
        .load64Zero(half * 8)
        .f64x2PromoteLow();
      f.f64x2Sub().set(d);
      // float64 sums: byte offset c·2 (+ 16 per half).
      f.get(SUMS).get(c).get(c).add().add().set(sumsAt);
      f.get(sumsAt)
        .get(sumsAt)
        .v128Load(half * 16)
        .get(d)
        .f64x2Add()
        .v128Store(half * 16);
      f.get(sumsAt)
        .get(sumsAt)
        .v128Load(channels * 8 + half * 16);
      f.get(d)
        .get(d)
        .f64x2Mul()
        .f64x2Add()
        .v128Store(channels * 8 + half * 16);
    }
  });
  return f;
}

/** apply(x, table, residual, y, from, to), rows [from, to): y = x·scale + shift (+ r) (, ReLU); table [scale; shift]. */
export function applyProgram({ channels, relu, residual }: BnFlags): FunctionBuilder {
  const f = new FunctionBuilder('apply', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [X, TABLE, RES, Y] = [0, 1, 2, 3];
  const zero = f.local('v128');
  f.f32Const(0).f32x4Splat().set(zero);
  rowsAndChannels(f, channels, (row, c) => {
    at(f, Y, row, c);
    at(f, X, row, c).v128Load();
    at(f, TABLE, c).v128Load().f32x4Mul();
    at(f, TABLE, c)
      .v128Load(channels * 4)
      .f32x4Add();
    if (residual) at(f, RES, row, c).v128Load().f32x4Add();
    // f32x4.max passes NaN through, as ReLU does in PyTorch, and gives +0 for −0.
    if (relu) f.get(zero).f32x4Max();
    f.v128Store();
  });
  return f;
}

/** Pushes g = dy, or dy where y > 0 and 0 elsewhere after a ReLU, for two or four lanes. */
function pushGrad(
  f: FunctionBuilder,
  relu: boolean,
  dy: number,
  y: number,
  row: number,
  c: number,
  half?: number,
) {
  const load = (base: number) =>
    half === undefined ? at(f, base, row, c).v128Load() : at(f, base, row, c).load64Zero(half * 8);
  load(dy);
  if (!relu) return;
  load(y);
  f.f32Const(0).f32x4Splat().f32x4Gt().v128And();
}

/**
 * gradSums(dy, x, y, mean, sums, from, to), rows [from, to): sums[0..C) += Σ g, sums[C..2C) += Σ g·(x − μ), float64,
 * μ a float64 table.
 */
export function gradSumsProgram({ channels, relu }: BnFlags): FunctionBuilder {
  const f = new FunctionBuilder('gradSums', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [DY, X, Y, MEAN, SUMS] = [0, 1, 2, 3, 4];
  const g = f.local('v128');
  const sumsAt = f.local('i32');
  rowsAndChannels(f, channels, (row, c) => {
    f.get(SUMS).get(c).get(c).add().add().set(sumsAt);
    for (let half = 0; half < 2; half++) {
      pushGrad(f, relu, DY, Y, row, c, half);
      f.f64x2PromoteLow().set(g);
      f.get(sumsAt)
        .get(sumsAt)
        .v128Load(half * 16)
        .get(g)
        .f64x2Add()
        .v128Store(half * 16);
      f.get(sumsAt)
        .get(sumsAt)
        .v128Load(channels * 8 + half * 16)
        .get(g);
      at(f, X, row, c)
        .load64Zero(half * 8)
        .f64x2PromoteLow();
      f.get(MEAN)
        .get(c)
        .get(c)
        .add()
        .add()
        .v128Load(half * 16)
        .f64x2Sub();
      f.f64x2Mul()
        .f64x2Add()
        .v128Store(channels * 8 + half * 16);
    }
  });
  return f;
}

/**
 * gradInput(dy, x, y, coef, dx, dr, from, to), rows [from, to): dx = A·g + K·(x − μ) + D with coef [A; μ; K; D]
 * (float32), and dr = g where the op had a shortcut.
 */
export function gradInputProgram({ channels, relu, residual }: BnFlags): FunctionBuilder {
  const f = new FunctionBuilder('gradInput', Array<'i32'>(8).fill('i32'));
  const [DY, X, Y, COEF, DX, DR] = [0, 1, 2, 3, 4, 5];
  const g = f.local('v128');
  const C4 = channels * 4;
  rowsAndChannels(f, channels, (row, c) => {
    pushGrad(f, relu, DY, Y, row, c);
    f.set(g);
    at(f, DX, row, c);
    at(f, COEF, c).v128Load().get(g).f32x4Mul();
    at(f, X, row, c).v128Load();
    at(f, COEF, c).v128Load(C4).f32x4Sub();
    at(f, COEF, c)
      .v128Load(2 * C4)
      .f32x4Mul()
      .f32x4Add();
    at(f, COEF, c)
      .v128Load(3 * C4)
      .f32x4Add();
    f.v128Store();
    if (residual) at(f, DR, row, c).get(g).v128Store();
  });
  return f;
}
