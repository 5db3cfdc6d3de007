import { beforeEach, describe, expect, it } from 'vitest';
import { analyze, LIMITS, presetSpec, repeatedBlockParams, validate } from '../spec';
import { useLab } from '../store/lab';
import { layoutDiagram } from './diagramLayout';
import { withBlockKind, withStage, withStageAdded, withStageRemoved } from './specEdits';

const lab = () => useLab.getState();

describe('the cardinality slider with "keep complexity fixed"', () => {
  beforeEach(() => {
    lab().setKeepComplexity(false);
    lab().choosePreset('resnext29_8x64d');
  });

  it('keeps the width and changes d when off', () => {
    lab().setCardinality(0, 16);
    expect(lab().spec.stages[0]).toMatchObject({ cardinality: 16, bottleneckWidth: 512 });
  });

  it('re-solves the stage width against the reference, and comes back without drift', () => {
    const template = lab().spec;
    const target = repeatedBlockParams(template, template.stages[0]);
    lab().setKeepComplexity(true);
    lab().setCardinality(0, 16);
    const stage = lab().spec.stages[0];
    expect(stage.cardinality).toBe(16);
    expect(stage.bottleneckWidth % 16).toBe(0);
    expect(stage.bottleneckWidth / 16).not.toBe(32);
    expect(Math.abs(repeatedBlockParams(lab().spec, stage) - target) / target).toBeLessThan(0.02);
    expect(lab().spec.stages[1]).toEqual(template.stages[1]); // other stages untouched
    const total = analyze(template).totals.params;
    expect(Math.abs(analyze(lab().spec).totals.params - total) / total).toBeLessThan(0.05);

    for (const c of [32, 2, 512, 8]) lab().setCardinality(0, c);
    expect(lab().spec.stages[0]).toEqual(template.stages[0]);
    expect(lab().specIssues).toEqual([]);
  });

  it('takes any other edit as the new reference', () => {
    lab().setKeepComplexity(true);
    const edited = withStage(lab().spec, 0, { bottleneckWidth: 256 });
    lab().setSpec(edited);
    expect(lab().complexityReference).toBe(edited);
    lab().setCardinality(0, 8);
    expect(lab().spec.stages[0].bottleneckWidth).toBe(256);
  });
});

describe('the selection', () => {
  it('stays inside the stages when stages go away', () => {
    lab().choosePreset('resnet50');
    lab().selectStage(3);
    expect(lab().selectedStage).toBe(3);
    lab().selectStage(9);
    expect(lab().selectedStage).toBe(3);
    lab().choosePreset('resnet20');
    expect(lab().selectedStage).toBe(2);
  });
});

describe('spec edits', () => {
  const resnet20 = presetSpec('resnet20')!;

  it('switch block kinds with the presets’ conventions', () => {
    const bottleneck = withBlockKind(resnet20, 1, 'bottleneck');
    expect(bottleneck.stages[1]).toMatchObject({ block: 'bottleneck', bottleneckWidth: 8 });
    expect(validate(bottleneck)).toEqual([]);
    const back = withBlockKind(bottleneck, 1, 'basic');
    expect(back).toEqual(resnet20);
  });

  it('add and remove stages within the limits', () => {
    const added = withStageAdded(resnet20, 2);
    expect(added.stages).toHaveLength(4);
    expect(added.stages[3]).toMatchObject({ outChannels: 128, stride: 2 });
    expect(validate(added)).toEqual([]);
    expect(withStageRemoved(added, 3)).toEqual(resnet20);
    let full = resnet20;
    while (full.stages.length < LIMITS.stages) full = withStageAdded(full, 0);
    expect(withStageAdded(full, 0)).toBe(full);
    expect(withStageRemoved({ ...resnet20, stages: [resnet20.stages[0]] }, 0).stages).toHaveLength(
      1,
    );
  });

  it('leave invalid states reachable; the diagram still draws them', () => {
    const bad = withStage(presetSpec('resnext29_8x64d')!, 0, { bottleneckWidth: 100 });
    expect(validate(bad).map((i) => i.path)).toEqual(['stages/0/bottleneckWidth']);
    const layout = layoutDiagram(bad, false);
    expect(layout.stages[0].cards[0].facts.output).toEqual([256, 32, 32]);
    expect(layout.stages[0].cards[0].facts.params).toBeNull();
    const nonsense = withStage(resnet20, 0, { blocks: 1e9 });
    expect(layoutDiagram(nonsense, false).stages[0].cards).toHaveLength(2);
  });
});

describe('the diagram layout', () => {
  it('collapses long stages to the first block and one card for the rest', () => {
    const layout = layoutDiagram(presetSpec('resnet1202')!, true);
    expect(layout.stages.map((s) => s.cards.map((c) => c.repeat))).toEqual([
      [1, 199],
      [1, 199],
      [1, 199],
    ]);
    expect(layout.stages[1].cards.map((c) => c.facts.shortcut)).toEqual(['A', 'identity']);
    expect(layout.stages[0].params).toBe(analyze(presetSpec('resnet1202')!).stages[0].params);
  });

  it('draws no shortcuts in a plain network', () => {
    const layout = layoutDiagram(presetSpec('plain20')!, true);
    expect(layout.stages.flatMap((s) => s.cards.map((c) => c.facts.shortcut))).toEqual(
      Array(6).fill('none'),
    );
  });
});
