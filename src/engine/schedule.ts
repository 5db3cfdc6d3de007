// Learning-rate (and one-cycle momentum) schedules with PyTorch's exact formulas, as pure
// functions of where training is. A schedule object with hidden state would have to be
// checkpointed and replayed; a pure function of (epoch, step) resumes for free.
//
// Position convention: `epoch` is 0-based and `stepInEpoch` counts the optimizer steps already
// taken in that epoch (0 for the first batch). The value returned is the one PyTorch's
// optimizer holds while training that batch, i.e. after `epoch` calls of scheduler.step() for
// the per-epoch schedulers (MultiStepLR, CosineAnnealingLR) and after
// `epoch·stepsPerEpoch + stepInEpoch` calls for the per-iteration one (OneCycleLR).
import type { ScheduleSpec } from '../spec/types';

/** PyTorch OneCycleLR's defaults for cycle_momentum=True (base_momentum, max_momentum). */
export const ONECYCLE_BASE_MOMENTUM = 0.85;
export const ONECYCLE_MAX_MOMENTUM = 0.95;

/** The learning rate for the batch at (epoch, stepInEpoch). */
export function learningRate(
  schedule: ScheduleSpec,
  baseLr: number,
  epoch: number,
  stepInEpoch: number,
  stepsPerEpoch: number,
  totalEpochs: number,
): number {
  switch (schedule.kind) {
    case 'constant':
      return baseLr;
    case 'multistep': {
      // torch MultiStepLR closed form: base_lr · gamma^bisect_right(milestones, epoch), i.e. one
      // factor per milestone ≤ epoch; a repeated milestone counts twice, as PyTorch's Counter.
      let passed = 0;
      for (const m of schedule.milestones) if (m <= epoch) passed++;
      return baseLr * Math.pow(schedule.gamma, passed);
    }
    case 'cosine': {
      // torch CosineAnnealingLR closed form. PyTorch's recursive form equals it up to float
      // rounding; past T_max both rise again (the cosine is periodic), so we do too.
      const { tMax, etaMin } = schedule;
      return etaMin + ((baseLr - etaMin) * (1 + Math.cos((Math.PI * epoch) / tMax))) / 2;
    }
    case 'onecycle': {
      // OneCycleLR replaces the optimizer's lr with its own curve from max_lr: baseLr is unused.
      const { maxLr, divFactor, finalDivFactor } = schedule;
      const initialLr = maxLr / divFactor;
      const minLr = initialLr / finalDivFactor;
      return oneCycle(schedule, epoch, stepInEpoch, stepsPerEpoch, totalEpochs, [
        initialLr,
        maxLr,
        minLr,
      ]);
    }
  }
}

/**
 * The momentum (SGD) or beta1 (AdamW) PyTorch's OneCycleLR sets for this batch, or null when
 * the schedule leaves it alone. OneCycleLR's default cycle_momentum=True overwrites the
 * optimizer's momentum / betas[0] on every step: 0.95 → 0.85 during warm-up, back to 0.95
 * while the lr anneals. Hand the value to the optimizer's step() to reproduce that.
 */
export function scheduledMomentum(
  schedule: ScheduleSpec,
  epoch: number,
  stepInEpoch: number,
  stepsPerEpoch: number,
  totalEpochs: number,
): number | null {
  if (schedule.kind !== 'onecycle') return null;
  return oneCycle(schedule, epoch, stepInEpoch, stepsPerEpoch, totalEpochs, [
    ONECYCLE_MAX_MOMENTUM,
    ONECYCLE_BASE_MOMENTUM,
    ONECYCLE_MAX_MOMENTUM,
  ]);
}

/**
 * torch OneCycleLR.get_lr (two phases, three_phase=False) for one quantity that goes
 * start → peak over the warm-up and peak → end over the rest.
 */
function oneCycle(
  schedule: Extract<ScheduleSpec, { kind: 'onecycle' }>,
  epoch: number,
  stepInEpoch: number,
  stepsPerEpoch: number,
  totalEpochs: number,
  [start, peak, end]: [number, number, number],
): number {
  const totalSteps = totalEpochs * stepsPerEpoch;
  // PyTorch raises past total_steps; we hold the last value instead (the extra scheduler.step()
  // after the final batch never trains anything).
  const step = Math.min(epoch * stepsPerEpoch + stepInEpoch, totalSteps - 1);
  const anneal = schedule.anneal === 'cos' ? annealCos : annealLinear;
  // Phase ends are floats, as in PyTorch: float(pct_start · total_steps) − 1, then
  // total_steps − 1; the second phase starts where the first ended.
  const warmEnd = schedule.pctStart * totalSteps - 1;
  const lastEnd = totalSteps - 1;
  if (step <= warmEnd) return anneal(start, peak, fraction(step, 0, warmEnd));
  return anneal(peak, end, fraction(step, warmEnd, lastEnd));
}

/** (step − from) / (to − from); an empty phase (PyTorch: ZeroDivisionError) counts as done. */
function fraction(step: number, from: number, to: number): number {
  return to === from ? 1 : (step - from) / (to - from);
}

/** torch OneCycleLR._annealing_cos, operation for operation. */
function annealCos(start: number, end: number, pct: number): number {
  const cosOut = Math.cos(Math.PI * pct) + 1;
  return end + ((start - end) / 2) * cosOut;
}

/** torch OneCycleLR._annealing_linear. */
function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}
