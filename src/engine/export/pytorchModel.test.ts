import { describe, expect, it } from 'vitest';
import { networkRows } from '../../spec/layers';
import { presetSpec } from '../../spec/presets';
import type { ArchSpec } from '../../spec/types';
import { paramInfos, planModel } from '../params';
import { blogLike, imagenetLike, plain8, tinyResNeXt } from '../testSpecs';
import { pytorchModelSource } from './pytorchModel';

/** (branch, name, module) steps of the generated source, e.g. "main conv1 nn.Conv2d(…)". */
function steps(source: string): string[] {
  return [...source.matchAll(/^\s+\('(main|shortcut|add)', (?:'([^']+)'|None), (.*)\),$/gm)].map(
    (m) => `${m[1]} ${m[2] ?? '-'} ${m[3]}`,
  );
}

describe('pytorchModelSource', () => {
  it('writes one step per layer of the walk, with its PyTorch arguments', () => {
    const spec = tinyResNeXt();
    const source = pytorchModelSource(spec);
    const layers = networkRows(spec)
      .slice(0, -1)
      .flatMap((r) => r.layers);
    expect(steps(source)).toHaveLength(layers.length);
    expect(source).toContain(
      "('main', 'conv2', nn.Conv2d(64, 64, 3, stride=2, padding=1, groups=8, bias=False)),",
    );
    expect(source).toContain(
      "('shortcut', 'downsample.0', nn.Conv2d(32, 64, 1, stride=2, padding=0, groups=1, bias=False)),",
    );
    expect(source).toContain('self.avgpool = nn.AdaptiveAvgPool2d(1)');
    expect(source).toContain('self.fc = nn.Linear(64, 10)');
    expect(source).toContain(
      `NUM_PARAMETERS = ${paramInfos(planModel(spec)).reduce(
        (sum, p) => sum + p.shape.reduce((a, b) => a * b, 1),
        0,
      )}`,
    );
  });

  it("covers the blog net's dropout, 3×3 shortcuts, biases, max4 head and no ReLU after add", () => {
    const source = pytorchModelSource(blogLike());
    expect(source).toContain("('main', 'dropout', nn.Dropout2d(0.2)),");
    expect(source).toContain(
      "('shortcut', 'downsample.0', nn.Conv2d(8, 16, 3, stride=2, padding=1, groups=1, bias=True)),",
    );
    expect(source).toContain('self.maxpool4 = nn.MaxPool2d(4, stride=1, padding=0)');
    expect(source).toContain('self.fc = nn.Linear(600, 7)'); // 24 channels × 5 × 5
    // Each block ends with its addition: no ReLU after it.
    const block = source.slice(source.indexOf('# layer1.0'), source.indexOf('# layer2.0'));
    expect(steps(block).at(-1)).toBe('add - None');
  });

  it('writes option A, plain nets and the ImageNet stem', () => {
    const resnet20 = pytorchModelSource(presetSpec('resnet20') as ArchSpec);
    expect(resnet20).toContain("('shortcut', 'downsample', ShortcutA(2, 32)),");
    const plain = steps(pytorchModelSource(plain8()));
    expect(plain.some((s) => s.startsWith('add') || s.startsWith('shortcut'))).toBe(false);
    const imagenet = pytorchModelSource(imagenetLike(), { inputSize: 64 });
    expect(imagenet).toContain(
      "('main', 'conv1', nn.Conv2d(3, 16, 7, stride=2, padding=3, groups=1, bias=False)),",
    );
    expect(imagenet).toContain("('main', 'maxpool', nn.MaxPool2d(3, stride=2, padding=1)),");
    expect(imagenet).toContain('INPUT_SIZE = 64');
  });
});
