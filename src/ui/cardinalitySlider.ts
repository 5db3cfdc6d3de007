// What the stage inspector's cardinality slider offers and says: its stops, and the
// keep-complexity hint beside it (how far the re-solved width is from the reference). No React.
import {
  LIMITS,
  repeatedBlockParams,
  validCardinalities,
  type ArchSpec,
  type StageSpec,
} from '../spec';
import { grouped } from './format';

/**
 * The slider's stops: validCardinalities() of `source` (the spec, or the complexity reference
 * when the width is re-solved, so the stops stay put as the width moves), and the stop nearest
 * to the stage's C when C is not among them (an invalid state the user typed).
 */
export function cardinalityChoices(source: ArchSpec, index: number, stage: StageSpec) {
  const width = source.stages[index]?.bottleneckWidth;
  const computable = Number.isInteger(width) && width >= 1 && width <= LIMITS.channels;
  const values = computable ? validCardinalities(source, index) : [stage.cardinality];
  let best = 0;
  values.forEach((value, i) => {
    if (Math.abs(value - stage.cardinality) < Math.abs(values[best] - stage.cardinality)) best = i;
  });
  return { values: values.length ? values : [1], index: best };
}

/**
 * The line beside the keep-complexity switch: off, not applicable here, or this block's params
 * against the reference block's (the width is re-solved to hold them equal).
 */
export function keepHint(
  spec: ArchSpec,
  index: number,
  keep: boolean,
  referenceStage: StageSpec | undefined,
  reference: ArchSpec | null,
): string {
  const stage = spec.stages[index];
  if (!keep) return 'off: moving C keeps the width and changes d';
  if (stage.block !== 'bottleneck' || referenceStage?.block !== 'bottleneck' || !reference) {
    return 'on: applies to bottleneck stages';
  }
  const target = repeatedBlockParams(reference, referenceStage);
  const now = repeatedBlockParams(spec, stage);
  const delta = ((now - target) / target) * 100;
  return (
    `on: width re-solved · ${grouped(Math.round(now))} params/block vs ` +
    `${grouped(Math.round(target))} reference (${delta >= 0 ? '+' : ''}${delta.toFixed(1)}%)`
  );
}
