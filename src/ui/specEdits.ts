// The builder's edits as pure functions ArchSpec → ArchSpec: each returns a new spec (the
// store re-validates it), none refuses a value. Invalid states stay reachable on purpose —
// validate() says what is wrong and where, and the diagram shows it at that place.
import { LIMITS, type ArchSpec, type BlockKind, type StageSpec } from '../spec';

/** The spec with stage `index` changed by `patch`. */
export function withStage(spec: ArchSpec, index: number, patch: Partial<StageSpec>): ArchSpec {
  return {
    ...spec,
    stages: spec.stages.map((stage, i) => (i === index ? { ...stage, ...patch } : stage)),
  };
}

/**
 * Basic ↔ bottleneck with the conventions of the presets: a basic stage has C = 1 and an inner
 * width mirroring its output; a new bottleneck stage starts as torchvision's, a quarter of the
 * output wide (ResNet-50's 64 → 256), with one path.
 */
export function withBlockKind(spec: ArchSpec, index: number, block: BlockKind): ArchSpec {
  const stage = spec.stages[index];
  if (!stage || stage.block === block) return spec;
  const out = stage.outChannels;
  return block === 'basic'
    ? withStage(spec, index, { block, cardinality: 1, bottleneckWidth: out })
    : withStage(spec, index, {
        block,
        cardinality: 1,
        bottleneckWidth: Math.max(1, Math.round(out / 4)),
      });
}

/**
 * A new stage after `index`, as the next stage of a ResNet would be: the same blocks at twice
 * the widths (capped at the limit), stride 2. Nothing is added past LIMITS.stages.
 */
export function withStageAdded(spec: ArchSpec, index: number): ArchSpec {
  const source = spec.stages[index] ?? spec.stages[spec.stages.length - 1];
  if (!source || spec.stages.length >= LIMITS.stages) return spec;
  const double = (n: number) => Math.min(LIMITS.channels, n * 2);
  const stage: StageSpec = {
    ...source,
    outChannels: double(source.outChannels),
    bottleneckWidth: double(source.bottleneckWidth),
    stride: 2,
  };
  const stages = [...spec.stages];
  stages.splice(index + 1, 0, stage);
  return { ...spec, stages };
}

/** The spec without stage `index`; the last remaining stage is kept. */
export function withStageRemoved(spec: ArchSpec, index: number): ArchSpec {
  if (spec.stages.length <= 1) return spec;
  return { ...spec, stages: spec.stages.filter((_, i) => i !== index) };
}

/** Input channels of stage `index`'s first block: the stem's or the previous stage's output. */
export function stageInputChannels(spec: ArchSpec, index: number): number {
  return index === 0 ? spec.stem.channels : spec.stages[index - 1].outChannels;
}
