// The loss curves' smoothing, in a module of its own so that code without JSX (and its tests)
// can use it.
import type { LossPoint } from '../store/history';

/** Exponential moving average with bias correction, as TensorBoard's smoothing. */
export function smooth<P extends Pick<LossPoint, 'loss'>>(points: P[], weight = 0.9) {
  let ema = 0;
  return points.map((p, i) => {
    ema = weight * ema + (1 - weight) * p.loss;
    return { ...p, smoothed: ema / (1 - weight ** (i + 1)) };
  });
}
