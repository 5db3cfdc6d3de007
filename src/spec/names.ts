// Names a person reads to tell networks apart: "ResNet-56", "plain-20", "ResNeXt-20 4×16d"
// (the papers' way: family, weighted layers, and C×d of a grouped net's first grouped stage),
// with "(edited)" when the network is a changed copy of a preset that goes by the same name.

import { PRESETS } from './presets';
import type { ArchSpec } from './types';
import { closestPreset } from './url';

/** Weighted layers, as the papers count them: the stem conv, every block's convs, the fc. */
function depth(spec: ArchSpec): number {
  const perBlock = (block: ArchSpec['stages'][number]['block']) => (block === 'basic' ? 2 : 3);
  return 2 + spec.stages.reduce((n, s) => n + s.blocks * perBlock(s.block), 0);
}

/**
 * "ResNeXt-20 4×16d", "ResNet-50", "plain-56": what the network is, from its spec alone. C×d
 * (of the first bottleneck stage) is written for grouped nets, and with `widths` for any net
 * with bottlenecks ("ResNet-20 1×38d": a study's C = 1 arm is no ResNet-20 preset).
 */
export function familyName(spec: ArchSpec, widths = false): string {
  const bottleneck = spec.stages.find((s) => s.block === 'bottleneck');
  const grouped = bottleneck && bottleneck.cardinality > 1;
  const family = !spec.residual ? 'plain' : grouped ? 'ResNeXt' : 'ResNet';
  const name = `${family}-${depth(spec)}`;
  if (!bottleneck || !(grouped || widths)) return name;
  const { cardinality, bottleneckWidth } = bottleneck;
  return `${name} ${cardinality}×${bottleneckWidth / cardinality}d`;
}

/**
 * The network's name. A preset: its family name ("ResNet-56"). Anything else also says its
 * bottleneck widths, and is marked "(edited)" when the preset it is closest to goes by the same
 * name (a ResNet-20 with other widths). A network whose name differs from that preset's (a
 * study's C = 8 arm: "ResNeXt-20 8×10d") needs no mark: the name already says what changed.
 */
export function networkName(spec: ArchSpec): string {
  const closest = closestPreset(spec);
  if (closest.changes === 0) return familyName(spec);
  const name = familyName(spec, true);
  const preset = { ...PRESETS[closest.name].spec, classes: spec.classes };
  return familyName(preset, true) === name ? `${name} (edited)` : name;
}
