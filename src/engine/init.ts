// Seeded initial values, torchvision's ResNet init: conv weights Kaiming normal (mode fan_out,
// ReLU gain), batch norm weight 1 and bias 0; what torchvision leaves alone keeps PyTorch's
// default — Linear weight and bias, and conv biases, uniform in ±1/√fan_in. The values cannot
// equal PyTorch's (different generator), only their distributions; the seed makes them
// reproducible here.

import { normal, type Rng } from '../spec/random';
import type { InitRule } from './params';

/** `size` values drawn by `rule`, consuming `rng` in index order. */
export function initialValues(rule: InitRule, size: number, rng: Rng): Float32Array {
  const v = new Float32Array(size);
  switch (rule.kind) {
    case 'kaimingNormalFanOut': {
      // PyTorch: gain √2 / √fan_out, fan_out = weight.size(0)·kh·kw (not ÷ groups).
      const std = Math.sqrt(2 / rule.fanOut);
      for (let i = 0; i < size; i++) v[i] = std * normal(rng);
      break;
    }
    case 'uniformFanIn': {
      // kaiming_uniform_(a=√5) reduces to this bound for Linear/Conv weights, and the bias
      // rule is the same bound.
      const bound = 1 / Math.sqrt(rule.fanIn);
      for (let i = 0; i < size; i++) v[i] = (2 * rng.next() - 1) * bound;
      break;
    }
    case 'ones':
      v.fill(1);
      break;
    case 'zeros':
      break;
  }
  return v;
}
