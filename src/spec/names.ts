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

/** "ResNeXt-20 4×16d", "ResNet-50", "plain-56": what the network is, from its spec alone. */
export function familyName(spec: ArchSpec): string {
  const grouped = spec.stages.find((s) => s.block === 'bottleneck' && s.cardinality > 1);
  const family = !spec.residual ? 'plain' : grouped ? 'ResNeXt' : 'ResNet';
  const name = `${family}-${depth(spec)}`;
  if (!grouped) return name;
  return `${name} ${grouped.cardinality}×${grouped.bottleneckWidth / grouped.cardinality}d`;
}

/**
 * The network's name: its family name, marked "(edited)" when it is a changed copy of a preset
 * of that same name (a ResNet-20 with other widths). A network whose name no preset has (a
 * study's C = 8 arm: "ResNeXt-20 8×8d") needs no mark: the name already says what changed.
 */
export function networkName(spec: ArchSpec): string {
  const name = familyName(spec);
  const closest = closestPreset(spec);
  if (closest.changes === 0) return name;
  const presetNamed = Object.values(PRESETS).some(
    (p) => familyName({ ...p.spec, classes: spec.classes }) === name,
  );
  return presetNamed ? `${name} (edited)` : name;
}
