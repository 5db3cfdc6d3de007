// validate(): every problem in an untrusted spec (a URL, a file, the builder), as sentences a
// user understands, never an exception. Field types and ranges first; then the rules between
// fields; then — only for a well-formed spec — the shapes from the one layer walk (layers.ts)
// for a 32×32 input. validateRecipe() lives in validateRecipe.ts and is re-exported here.

import {
  checkBoolean,
  checkChoice,
  checkInteger,
  checkNumber,
  fail,
  LIMITS,
  neverThrow,
  readObject,
} from './checks';
import { networkRows } from './layers';
import type { ArchSpec, SpecIssue } from './types';

export { isRecipe, validateRecipe } from './validateRecipe';
export { LIMITS } from './checks';

const ARCH_FIELDS = ['stem', 'stages', 'head', 'classes', 'residual', 'reluAfterAdd', 'convBias'];
const STAGE_FIELDS = [
  'blocks',
  'block',
  'outChannels',
  'bottleneckWidth',
  'cardinality',
  'stride',
  'shortcut',
];
const unit = (x: number) => x >= 0 && x < 1; // [0, 1)

export function validate(spec: unknown): SpecIssue[] {
  return neverThrow(() => validateArch(spec), 'spec');
}

export function isArchSpec(spec: unknown): spec is ArchSpec {
  return validate(spec).length === 0;
}

function validateArch(value: unknown): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const spec = readObject(value, '', 'the spec', ARCH_FIELDS, issues);
  if (!spec) return issues;

  const stem = readObject(spec.stem, 'stem', 'stem', ['kind', 'channels', 'dropout'], issues);
  if (stem) {
    checkChoice(stem.kind, 'stem/kind', 'stem kind', ['cifar', 'imagenet'], issues);
    checkInteger(stem.channels, 'stem/channels', 'stem channels', 1, LIMITS.channels, issues);
    checkNumber(stem.dropout, 'stem/dropout', 'stem dropout', unit, '[0, 1)', issues);
  }
  const stages = spec.stages;
  if (Array.isArray(stages) && stages.length >= 1 && stages.length <= LIMITS.stages) {
    stages.forEach((stage, s) => validateStage(stage, s, issues));
  } else {
    fail(stages, 'stages', 'stages', `a list of 1 to ${LIMITS.stages} stages`, issues);
  }
  const head = readObject(spec.head, 'head', 'head', ['pool'], issues);
  if (head) checkChoice(head.pool, 'head/pool', 'head pool', ['avg', 'max4'], issues);
  checkInteger(spec.classes, 'classes', 'classes', 2, LIMITS.classes, issues);
  for (const flag of ['residual', 'reluAfterAdd', 'convBias']) {
    checkBoolean(spec[flag], flag, flag, issues);
  }

  if (issues.length === 0) validateShapes(spec as unknown as ArchSpec, issues);
  return issues;
}

function validateStage(value: unknown, s: number, issues: SpecIssue[]): void {
  const path = `stages/${s}`;
  const label = `stage ${s + 1}`; // people count stages from 1, paths from 0
  const stage = readObject(value, path, label, STAGE_FIELDS, issues);
  if (!stage) return;
  const at = (key: string) => `${path}/${key}`;
  const channels = (key: string, name: string) =>
    checkInteger(stage[key], at(key), `${label}: ${name}`, 1, LIMITS.channels, issues);
  const shortcuts = ['A', 'B', 'conv3x3'];
  const wellTyped = [
    checkInteger(stage.blocks, at('blocks'), `${label}: blocks`, 1, LIMITS.blocks, issues),
    checkChoice(stage.block, at('block'), `${label}: block`, ['basic', 'bottleneck'], issues),
    channels('outChannels', 'output channels'),
    channels('bottleneckWidth', 'bottleneck width'),
    channels('cardinality', 'cardinality'),
    checkInteger(stage.stride, at('stride'), `${label}: stride`, 1, 2, issues),
    checkChoice(stage.shortcut, at('shortcut'), `${label}: shortcut`, shortcuts, issues),
  ].every(Boolean);
  if (!wellTyped) return;

  const [width, cardinality] = [stage.bottleneckWidth as number, stage.cardinality as number];
  if (stage.block === 'basic' && cardinality !== 1) {
    const message = `${label}: basic blocks have no grouped conv, so cardinality must be 1, got ${cardinality}`;
    issues.push({ path: `${path}/cardinality`, message });
  }
  if (stage.block === 'bottleneck' && width % cardinality !== 0) {
    const message = `${label}: bottleneck width ${width} is not divisible by cardinality ${cardinality}`;
    issues.push({ path: `${path}/bottleneckWidth`, message });
  }
}

/** Rules that need the shapes: option-A shortcuts, the spatial size, the 4×4 max-pool head. */
function validateShapes(spec: ArchSpec, issues: SpecIssue[]): void {
  const rows = networkRows(spec, spec.classes, 32);
  for (const row of rows) {
    if (row.stage === null) continue;
    const path = `stages/${row.stage - 1}`;
    const label = `stage ${row.stage}`;
    const [inC, outC] = [row.input[0], row.output[0]];
    if (row.shortcut === 'A' && inC > outC) {
      const message = `${label}: shortcut A only zero-pads channels and cannot reduce ${inC} to ${outC}; use shortcut B`;
      issues.push({ path: `${path}/shortcut`, message });
    } else if (row.shortcut === 'A' && (outC - inC) % 2 !== 0) {
      const message = `${label}: shortcut A pads the new channels half on each side, so ${inC} → ${outC} must add an even number`;
      issues.push({ path: `${path}/shortcut`, message });
    }
    // With PyTorch's size formula a padded conv or pool never takes a map below 1×1, but the
    // counts in analyze() rely on it, so the invariant is checked rather than assumed.
    if (row.layers.some((layer) => layer.output[1] < 1 || layer.output[2] < 1)) {
      const message = `${label}: the feature map shrinks to nothing (32×32 input); use fewer stride-2 stages`;
      issues.push({ path: `${path}/stride`, message });
      return;
    }
  }
  const [, h, w] = rows[rows.length - 1].input;
  if (spec.head.pool === 'max4' && (h < 4 || w < 4)) {
    const message = `the 4×4 max-pool head needs at least a 4×4 feature map, but the last stage gives ${h}×${w} (32×32 input); use the average-pool head or fewer stride-2 stages`;
    issues.push({ path: 'head/pool', message });
  }
}
