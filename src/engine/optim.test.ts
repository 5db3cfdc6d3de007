import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OptimizerSpec } from '../spec/types';
import { clipGradNorm, createOptimizer } from './optim';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function expectClose(actual: ArrayLike<number>, expected: number[], tol = 1e-6) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    expect(err, `index ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tol);
  }
}

// Fixed parameters and three steps of fixed gradients for two parameters.
const P0 = { w: [1.0, -2.0, 0.5, 0.25], b: [0.3, -0.7] };
const GRADS = [
  { w: [0.1, 0.2, -0.3, 0.4], b: [0.5, -0.05] },
  { w: [0.05, -0.1, 0.2, 0.0], b: [-0.25, 0.15] },
  { w: [-0.2, 0.1, 0.1, -0.6], b: [0.02, 0.3] },
];

function makeParams() {
  return new Map<string, tf.Variable>([
    ['w', tf.variable(tf.tensor2d(P0.w, [2, 2]), true, 'w')],
    ['b', tf.variable(tf.tensor1d(P0.b), true, 'b')],
  ]);
}

function makeGrads(k: number) {
  return new Map<string, tf.Tensor>([
    ['w', tf.tensor2d(GRADS[k].w, [2, 2])],
    ['b', tf.tensor1d(GRADS[k].b)],
  ]);
}

function runSteps(spec: OptimizerSpec, lrs: number[], momenta?: number[]) {
  const params = makeParams();
  const opt = createOptimizer(spec);
  lrs.forEach((lr, k) => {
    const g = makeGrads(k);
    opt.step(params, g, lr, momenta?.[k]);
    tf.dispose([...g.values()]);
  });
  const out = { w: params.get('w')!.dataSync(), b: params.get('b')!.dataSync() };
  opt.dispose();
  tf.dispose([...params.values()]);
  return out;
}

// torch.optim.SGD's update written out per element in float64 (dampening 0).
function torchSgd(
  p0: number[],
  grads: number[][],
  lrs: number[],
  momentum: number,
  wd: number,
  nesterov: boolean,
) {
  const p = [...p0];
  const buf: (number | undefined)[] = p.map(() => undefined);
  grads.forEach((g, k) => {
    for (let i = 0; i < p.length; i++) {
      let d = g[i] + wd * p[i];
      if (momentum !== 0) {
        buf[i] = buf[i] === undefined ? d : momentum * buf[i]! + d;
        d = nesterov ? d + momentum * buf[i]! : buf[i]!;
      }
      p[i] -= lrs[k] * d;
    }
  });
  return p;
}

// torch.optim.AdamW's update written out per element in float64 (amsgrad off).
function torchAdamW(
  p0: number[],
  grads: number[][],
  lrs: number[],
  beta1s: number[],
  beta2: number,
  eps: number,
  wd: number,
) {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g, k) => {
    const t = k + 1;
    const lr = lrs[k];
    const b1 = beta1s[k];
    for (let i = 0; i < p.length; i++) {
      p[i] *= 1 - lr * wd;
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      const mHat = m[i] / (1 - b1 ** t);
      const vHat = v[i] / (1 - beta2 ** t);
      p[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  });
  return p;
}

const LRS = [0.1, 0.05, 0.02];

describe('SGD', () => {
  it('one hand-computed case: momentum 0.9, wd 0.1, lr 0.1, grads 0.5 twice', () => {
    for (const [nesterov, expected] of [
      [false, [0.94, 0.8266]],
      [true, [0.886, 0.725566]],
    ] as const) {
      const p = new Map([['x', tf.variable(tf.scalar(1))]]);
      const opt = createOptimizer({
        kind: 'sgd',
        lr: 0.1,
        momentum: 0.9,
        nesterov,
        weightDecay: 0.1,
      });
      const seen: number[] = [];
      for (let k = 0; k < 2; k++) {
        const g = new Map([['x', tf.scalar(0.5)]]);
        opt.step(p, g, 0.1);
        tf.dispose([...g.values()]);
        seen.push(p.get('x')!.dataSync()[0]);
      }
      expectClose(seen, [...expected]);
      opt.dispose();
      p.get('x')!.dispose();
    }
  });

  const cases: [string, number, boolean, number][] = [
    ['plain', 0, false, 0],
    ['weight decay', 0, false, 5e-4 * 100],
    ['momentum', 0.9, false, 0],
    ['momentum + wd', 0.9, false, 0.05],
    ['nesterov', 0.9, true, 0],
    ['nesterov + wd', 0.9, true, 0.05],
  ];
  for (const [name, momentum, nesterov, wd] of cases) {
    it(`3 steps match torch.optim.SGD: ${name}`, () => {
      const got = runSteps({ kind: 'sgd', lr: 0.1, momentum, nesterov, weightDecay: wd }, LRS);
      const gw = GRADS.map((g) => g.w);
      const gb = GRADS.map((g) => g.b);
      expectClose(got.w, torchSgd(P0.w, gw, LRS, momentum, wd, nesterov));
      expectClose(got.b, torchSgd(P0.b, gb, LRS, momentum, wd, nesterov));
    });
  }

  it('refuses nesterov without momentum, as PyTorch', () => {
    expect(() =>
      createOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0, nesterov: true, weightDecay: 0 }),
    ).toThrow(/momentum/);
  });

  it('a momentum override (OneCycleLR cycle_momentum) replaces the spec momentum', () => {
    const spec: OptimizerSpec = {
      kind: 'sgd',
      lr: 0.1,
      momentum: 0.9,
      nesterov: false,
      weightDecay: 0,
    };
    const params = makeParams();
    const opt = createOptimizer(spec);
    const momenta = [0.95, 0.9, 0.85];
    for (let k = 0; k < 3; k++) {
      const g = makeGrads(k);
      opt.step(params, g, LRS[k], momenta[k]);
      tf.dispose([...g.values()]);
    }
    // Reference: buf_t = m_t·buf_{t−1} + g_t.
    const gb = GRADS.map((g) => g.b);
    const p = [...P0.b];
    const buf = [0, 0];
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < 2; i++) {
        buf[i] = k === 0 ? gb[k][i] : momenta[k] * buf[i] + gb[k][i];
        p[i] -= LRS[k] * buf[i];
      }
    }
    expectClose(params.get('b')!.dataSync(), p);
    opt.dispose();
    tf.dispose([...params.values()]);
  });
});

describe('AdamW', () => {
  it('one hand-computed step: lr 0.1, wd 0.01, g 0.5 → 0.999 − 0.1·0.5/(0.5 + 1e-8)', () => {
    const p = new Map([['x', tf.variable(tf.scalar(1))]]);
    const opt = createOptimizer({
      kind: 'adamw',
      lr: 0.1,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0.01,
    });
    const g = new Map([['x', tf.scalar(0.5)]]);
    opt.step(p, g, 0.1);
    expectClose(p.get('x')!.dataSync(), [0.899]);
    tf.dispose([...g.values(), p.get('x')!]);
    opt.dispose();
  });

  for (const wd of [0, 0.01, 0.5]) {
    it(`3 steps match torch.optim.AdamW: weight decay ${wd}`, () => {
      const spec: OptimizerSpec = {
        kind: 'adamw',
        lr: 0.1,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: wd,
      };
      const got = runSteps(spec, LRS);
      const b1 = [0.9, 0.9, 0.9];
      expectClose(
        got.w,
        torchAdamW(
          P0.w,
          GRADS.map((g) => g.w),
          LRS,
          b1,
          0.999,
          1e-8,
          wd,
        ),
      );
      expectClose(
        got.b,
        torchAdamW(
          P0.b,
          GRADS.map((g) => g.b),
          LRS,
          b1,
          0.999,
          1e-8,
          wd,
        ),
      );
    });
  }

  it('a beta1 override (OneCycleLR) is used in the moment and its bias correction', () => {
    const spec: OptimizerSpec = {
      kind: 'adamw',
      lr: 0.1,
      beta1: 0.9,
      beta2: 0.99,
      eps: 1e-6,
      weightDecay: 0.1,
    };
    const b1 = [0.95, 0.9, 0.85];
    const got = runSteps(spec, LRS, b1);
    expectClose(
      got.w,
      torchAdamW(
        P0.w,
        GRADS.map((g) => g.w),
        LRS,
        b1,
        0.99,
        1e-6,
        0.1,
      ),
    );
  });
});

describe('optimizer bookkeeping', () => {
  const specs: OptimizerSpec[] = [
    { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
    { kind: 'adamw', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4 },
  ];

  for (const spec of specs) {
    it(`${spec.kind}: no tensor leaks over 10 steps; dispose frees the buffers`, () => {
      const params = makeParams();
      const before = tf.memory().numTensors;
      const opt = createOptimizer(spec);
      const counts: number[] = [];
      for (let k = 0; k < 10; k++) {
        const g = makeGrads(k % 3);
        opt.step(params, g, 0.01);
        tf.dispose([...g.values()]);
        counts.push(tf.memory().numTensors);
      }
      expect(new Set(counts).size).toBe(1);
      opt.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([...params.values()]);
    });

    it(`${spec.kind}: state() → loadState() resumes exactly`, () => {
      const a = makeParams();
      const optA = createOptimizer(spec);
      for (let k = 0; k < 2; k++) {
        const g = makeGrads(k);
        optA.step(a, g, 0.05);
        tf.dispose([...g.values()]);
      }
      const saved = optA.state();
      expect(saved.kind).toBe(spec.kind);
      expect(saved.step).toBe(2);
      expect(saved.params.w.step).toBe(2);
      const savedW = a.get('w')!.clone();
      const savedB = a.get('b')!.clone();
      const g3 = makeGrads(2);
      optA.step(a, g3, 0.05);

      // A fresh optimizer and fresh variables set to the saved point take the same third step.
      const b = new Map<string, tf.Variable>([
        ['w', tf.variable(savedW)],
        ['b', tf.variable(savedB)],
      ]);
      const optB = createOptimizer(spec);
      optB.loadState(saved);
      tf.dispose(
        Object.values(saved.params).flatMap((s) => [s.momentumBuffer, s.expAvg, s.expAvgSq]),
      );
      optB.step(b, g3, 0.05);
      expect(Array.from(b.get('w')!.dataSync())).toEqual(Array.from(a.get('w')!.dataSync()));
      expect(Array.from(b.get('b')!.dataSync())).toEqual(Array.from(a.get('b')!.dataSync()));
      expect(optB.state().step).toBe(3);
      expect(() =>
        createOptimizer(specs[spec.kind === 'sgd' ? 1 : 0]).loadState(optB.state()),
      ).toThrow();
      tf.dispose([savedW, savedB, ...g3.values(), ...a.values(), ...b.values()]);
      optA.dispose();
      optB.dispose();
    });
  }

  it('skips parameters without a gradient and rejects gradients of unknown parameters', () => {
    const params = makeParams();
    const opt = createOptimizer(specs[1]);
    const g = new Map<string, tf.Tensor>([['b', tf.tensor1d([1, 1])]]);
    opt.step(params, g, 0.1);
    expectClose(params.get('w')!.dataSync(), P0.w, 0);
    expect(Object.keys(opt.state().params)).toEqual(['b']);
    const bad = new Map<string, tf.Tensor>([['nope', tf.scalar(1)]]);
    expect(() => opt.step(params, bad, 0.1)).toThrow(/nope/);
    tf.dispose([...g.values(), ...bad.values(), ...params.values()]);
    opt.dispose();
  });
});

describe('clipGradNorm', () => {
  it('scales by maxNorm/(total + 1e-6) when the total norm is above maxNorm', () => {
    // ‖(3, 4)‖ = 5, ‖12‖ = 12, total = √(25 + 144) = 13.
    const grads = new Map<string, tf.Tensor>([
      ['a', tf.tensor1d([3, 4])],
      ['b', tf.tensor2d([[12]])],
    ]);
    const { grads: clipped, totalNorm } = clipGradNorm(grads, 6.5);
    expectClose(totalNorm.dataSync(), [13]);
    const coef = 6.5 / (13 + 1e-6);
    expectClose(clipped.get('a')!.dataSync(), [3 * coef, 4 * coef]);
    expectClose(clipped.get('b')!.dataSync(), [12 * coef]);
    expect(clipped.get('b')!.shape).toEqual([1, 1]);
    // The inputs are untouched.
    expectClose(grads.get('a')!.dataSync(), [3, 4], 0);
    tf.dispose([...grads.values(), ...clipped.values(), totalNorm]);
  });

  it('leaves gradients alone below maxNorm and leaks nothing', () => {
    const grads = new Map<string, tf.Tensor>([['a', tf.tensor1d([3, 4])]]);
    const before = tf.memory().numTensors;
    const { grads: out, totalNorm } = clipGradNorm(grads, 5.5);
    expectClose(out.get('a')!.dataSync(), [3, 4], 0);
    expectClose(totalNorm.dataSync(), [5]);
    tf.dispose([...out.values(), totalNorm]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...grads.values()]);
  });
});
