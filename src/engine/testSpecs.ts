// Small specs for the engine's tests, written out so the tests do not depend on the presets'
// sizes. Not imported by application code.

import { basicStage, bottleneckStage } from '../spec/presets';
import type { ArchSpec, StageSpec } from '../spec/types';

// The stage builders are the presets' own, so a test spec means what a preset means.
export { basicStage, bottleneckStage };

function spec(stages: StageSpec[], overrides: Partial<ArchSpec> = {}): ArchSpec {
  return {
    stem: { kind: 'cifar', channels: 16, dropout: 0 },
    stages,
    head: { pool: 'avg' },
    classes: 10,
    residual: true,
    reluAfterAdd: true,
    convBias: false,
    ...overrides,
  };
}

/** ResNet-8: CIFAR stem 16, 3 stages × 1 basic block (16/32/64), option-A shortcuts. */
export const resnet8 = (): ArchSpec =>
  spec([basicStage(1, 16, 1), basicStage(1, 32, 2), basicStage(1, 64, 2)]);

/** ResNet-20 (He et al.): 3 stages × 3 basic blocks, option A. */
export const resnet20 = (classes = 10): ArchSpec =>
  spec([basicStage(3, 16, 1), basicStage(3, 32, 2), basicStage(3, 64, 2)], { classes });

/** A tiny ResNeXt: bottlenecks with C = 4 then C = 8, widths 32/64, projection shortcuts. */
export const tinyResNeXt = (): ArchSpec =>
  spec([bottleneckStage(1, 32, 32, 4, 1), bottleneckStage(2, 64, 64, 8, 2)]);

/** The blog's features, narrowed: 3×3-conv shortcuts, max4 head, no ReLU after add, dropout,
 * conv biases. A 32×32 input ends on an 8×8 map, so the head flattens 5×5 positions. */
export const blogLike = (): ArchSpec =>
  spec(
    [
      basicStage(1, 8, 1, 'conv3x3'),
      basicStage(1, 16, 2, 'conv3x3'),
      basicStage(2, 24, 2, 'conv3x3'),
    ],
    {
      stem: { kind: 'cifar', channels: 8, dropout: 0.2 },
      head: { pool: 'max4' },
      reluAfterAdd: false,
      convBias: true,
      classes: 7,
    },
  );

/** ImageNet stem (7×7/2 + max-pool) with bottlenecks; meant for 64×64 inputs. */
export const imagenetLike = (): ArchSpec =>
  spec([bottleneckStage(1, 32, 16, 2, 1), bottleneckStage(1, 64, 32, 4, 2)], {
    stem: { kind: 'imagenet', channels: 16, dropout: 0 },
  });

/** ResNet-8 without shortcuts. */
export const plain8 = (): ArchSpec => ({ ...resnet8(), residual: false });
