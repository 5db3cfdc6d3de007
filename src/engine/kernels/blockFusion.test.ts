import { describe, expect, it } from 'vitest';
import { planModel } from '../params';
import { PRESETS } from '../../spec/presets';
import { planBlockFusion } from './blockFusion';

const rowsOf = (preset: string) => {
  const plan = planModel(PRESETS[preset].spec, 32);
  return [plan.stem, ...plan.blocks];
};
const describePlan = (
  layers: { name: string; op: string }[],
  plan: ReturnType<typeof planBlockFusion>,
) => [...plan].map(([i, f]) => `${layers[i].name}:${layers[i].op}→${JSON.stringify(f)}`);

describe('block-end fusion plan', () => {
  it('fuses the stem BN with its ReLU', () => {
    const [stem] = rowsOf('resnet20');
    expect(describePlan(stem.layers, planBlockFusion(stem.layers))).toEqual([
      'bn1:bn→{"op":"bn","relu":true}',
      'relu:relu→{"op":"absorbed"}',
    ]);
  });

  it('fuses a basic block: bn1 + ReLU, and bn2 + shortcut + ReLU run at the addition', () => {
    const blocks = rowsOf('resnet20').slice(1);
    // layer2.0 has an option-A shortcut between bn2 and the addition.
    const block = blocks.find((b) => b.name === 'layer2.0')!;
    const plan = planBlockFusion(block.layers);
    const add = block.layers.findIndex((l) => l.op === 'add');
    const bn2 = block.layers.findIndex((l) => l.name === 'layer2.0.bn2');
    expect(plan.get(bn2)).toEqual({ op: 'bn', relu: true, addAt: add });
    expect(plan.get(add)).toBeUndefined();
    expect(plan.get(add + 1)).toEqual({ op: 'absorbed' });
    expect(block.layers[add + 1].op).toBe('relu');
    expect([...plan.values()].filter((f) => f.op === 'absorbed')).toHaveLength(2);
  });

  it('leaves a projection shortcut BN alone and fuses every bottleneck BN', () => {
    const blocks = rowsOf('resnext20_4x16d').slice(1);
    const first = blocks[0];
    const plan = planBlockFusion(first.layers);
    const fusedBns = [...plan].filter(([, f]) => f.op === 'bn').map(([i]) => first.layers[i].name);
    expect(fusedBns).toEqual(['layer1.0.bn1', 'layer1.0.bn2', 'layer1.0.bn3']);
  });
});
