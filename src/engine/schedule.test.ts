import { describe, expect, it } from 'vitest';
import type { ScheduleSpec } from '../spec/types';
import { learningRate, scheduledMomentum } from './schedule';

// The reference ResNeXt CIFAR-100 recipe: OneCycleLR(max_lr=1e-2, epochs=40, steps_per_epoch=44,
// pct_start=0.3, anneal 'cos', div_factor=25, final_div_factor=1000).
const oneCycle: ScheduleSpec = {
  kind: 'onecycle',
  maxLr: 1e-2,
  pctStart: 0.3,
  divFactor: 25,
  finalDivFactor: 1000,
  anneal: 'cos',
};
const SPE = 44;
const EPOCHS = 40;
const lrAt = (s: ScheduleSpec, step: number, spe = SPE, epochs = EPOCHS, base = 0.1) =>
  learningRate(s, base, Math.floor(step / spe), step % spe, spe, epochs);

describe('learningRate', () => {
  it('constant returns the base lr', () => {
    expect(learningRate({ kind: 'constant' }, 0.05, 7, 3, 10, 20)).toBe(0.05);
  });

  it('multistep: one gamma per milestone reached, per epoch', () => {
    const s: ScheduleSpec = { kind: 'multistep', milestones: [80, 120], gamma: 0.1 };
    const at = (epoch: number, step = 0) => learningRate(s, 0.1, epoch, step, 391, 160);
    expect(at(0)).toBeCloseTo(0.1, 15);
    expect(at(79, 390)).toBeCloseTo(0.1, 15);
    expect(at(80)).toBeCloseTo(0.01, 15);
    expect(at(119)).toBeCloseTo(0.01, 15);
    expect(at(120)).toBeCloseTo(0.001, 15);
    expect(at(159)).toBeCloseTo(0.001, 15);
    // A milestone listed twice counts twice (PyTorch keeps them in a Counter).
    const twice: ScheduleSpec = { kind: 'multistep', milestones: [2, 2], gamma: 0.5 };
    expect(learningRate(twice, 1, 1, 0, 1, 5)).toBe(1);
    expect(learningRate(twice, 1, 2, 0, 1, 5)).toBe(0.25);
  });

  it('cosine: eta_min + (base − eta_min)(1 + cos(π·epoch/T_max))/2', () => {
    const s: ScheduleSpec = { kind: 'cosine', tMax: 200, etaMin: 0 };
    const at = (epoch: number) => learningRate(s, 0.1, epoch, 17, 391, 200);
    expect(at(0)).toBeCloseTo(0.1, 15);
    expect(at(100)).toBeCloseTo(0.05, 15);
    expect(at(50)).toBeCloseTo((0.1 * (1 + Math.SQRT1_2)) / 2, 15);
    expect(at(200)).toBeCloseTo(0, 15);
    const withMin: ScheduleSpec = { kind: 'cosine', tMax: 10, etaMin: 0.001 };
    expect(learningRate(withMin, 0.1, 5, 0, 1, 10)).toBeCloseTo(0.001 + 0.099 / 2, 15);
    expect(learningRate(withMin, 0.1, 10, 0, 1, 10)).toBeCloseTo(0.001, 15);
  });

  it('onecycle (cos) follows PyTorch: max/div → max at the end of warm-up → max/div/final_div', () => {
    const total = SPE * EPOCHS; // 1760
    const warmEnd = 0.3 * total - 1; // 527
    expect(warmEnd).toBe(527);
    expect(lrAt(oneCycle, 0)).toBeCloseTo(1e-2 / 25, 15);
    expect(lrAt(oneCycle, 527)).toBeCloseTo(1e-2, 15);
    expect(lrAt(oneCycle, total - 1)).toBeCloseTo(1e-2 / 25 / 1000, 18);
    // _annealing_cos(start, end, pct) = end + (start − end)/2 · (1 + cos(π·pct)).
    const cos = (start: number, end: number, pct: number) =>
      end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
    expect(lrAt(oneCycle, 100)).toBeCloseTo(cos(4e-4, 1e-2, 100 / 527), 15);
    expect(lrAt(oneCycle, 1000)).toBeCloseTo(cos(1e-2, 4e-7, (1000 - 527) / (1759 - 527)), 15);
    // baseLr is ignored: OneCycleLR replaces the optimizer's lr.
    expect(learningRate(oneCycle, 123, 0, 0, SPE, EPOCHS)).toBeCloseTo(4e-4, 15);
    // Past the end it holds the last value instead of throwing.
    expect(lrAt(oneCycle, total)).toBeCloseTo(4e-7, 18);
  });

  it('onecycle (linear) with a fractional phase boundary', () => {
    // total_steps 10, pct_start 0.25 → warm-up ends at step 1.5, the second phase starts there.
    const s: ScheduleSpec = {
      kind: 'onecycle',
      maxLr: 1,
      pctStart: 0.25,
      divFactor: 10,
      finalDivFactor: 100,
      anneal: 'linear',
    };
    const at = (step: number) => lrAt(s, step, 5, 2);
    expect(at(0)).toBeCloseTo(0.1, 15);
    expect(at(1)).toBeCloseTo((1 - 0.1) * (1 / 1.5) + 0.1, 15); // 0.7
    expect(at(2)).toBeCloseTo((0.001 - 1) * (0.5 / 7.5) + 1, 15); // 0.9334
    expect(at(5)).toBeCloseTo((0.001 - 1) * (3.5 / 7.5) + 1, 15);
    expect(at(9)).toBeCloseTo(0.001, 15);
  });
});

describe('scheduledMomentum', () => {
  it('is null for schedules that do not cycle momentum', () => {
    expect(scheduledMomentum({ kind: 'constant' }, 0, 0, 10, 10)).toBeNull();
    expect(scheduledMomentum({ kind: 'cosine', tMax: 10, etaMin: 0 }, 3, 0, 10, 10)).toBeNull();
  });

  it('onecycle: 0.95 → 0.85 over the warm-up, back to 0.95 at the end', () => {
    const m = (step: number) =>
      scheduledMomentum(oneCycle, Math.floor(step / SPE), step % SPE, SPE, EPOCHS);
    expect(m(0)).toBeCloseTo(0.95, 15);
    expect(m(527)).toBeCloseTo(0.85, 15);
    expect(m(1759)).toBeCloseTo(0.95, 15);
    const pct = 100 / 527;
    expect(m(100)).toBeCloseTo(0.85 + ((0.95 - 0.85) / 2) * (Math.cos(Math.PI * pct) + 1), 15);
  });
});
