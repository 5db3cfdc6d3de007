import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetRecipe } from '../../spec/recipes';
import { buildModel, type Model } from '../model';
import { resnet8 } from '../testSpecs';
import {
  BUNDLE_FILES,
  bundleFileName,
  exportBundle,
  exportModelBundle,
  metricsCsv,
  type EpochRecord,
} from './bundle';
import { SafetensorsError } from './safetensors';
import { exportSafetensors, importSafetensors, type ExportMeta } from './weights';

const meta: ExportMeta = {
  dataset: 'cifar10',
  recipe: presetRecipe('step-160')!,
  epoch: 2,
  metrics: { accuracy: 41.5, split: 'test' },
  cardinalVersion: '0.1.0',
};

const history: EpochRecord[] = [
  { epoch: 1, trainLoss: 2.1, trainAcc: 22.5, testLoss: 1.9, testAcc: 30, seconds: 12.25 },
  {
    epoch: 2,
    trainLoss: 1.7,
    trainAcc: 38,
    testLoss: 1.6,
    testAcc: 41.5,
    valLoss: 1.65,
    valAcc: 40,
    seconds: 11.5,
  },
];

/** Byte equality (toEqual walks large typed arrays slowly). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

let model: Model;
let weights: Uint8Array;
beforeAll(async () => {
  await tf.setBackend('cpu');
  model = buildModel(resnet8(), { seed: 4 });
  weights = await exportSafetensors(model, meta);
});
afterAll(() => model.dispose());

describe('exportBundle', () => {
  it('zips the weights, model.py, train.py, spec, recipe, metrics and a README', () => {
    const zip = exportBundle({ spec: resnet8(), meta, weights, history, name: 'resnet8' });
    const files = unzipSync(zip);
    expect(Object.keys(files).sort()).toEqual([...BUNDLE_FILES].sort());
    expect(same(files['weights.safetensors'], weights)).toBe(true);
    expect(JSON.parse(strFromU8(files['spec.json']))).toEqual(resnet8());
    expect(JSON.parse(strFromU8(files['recipe.json']))).toEqual(meta.recipe);
    expect(strFromU8(files['metrics.csv'])).toBe(
      'epoch,train_loss,train_acc,test_loss,test_acc,val_loss,val_acc,seconds\n' +
        '1,2.1,22.5,1.9,30,,,12.25\n' +
        '2,1.7,38,1.6,41.5,1.65,40,11.5\n',
    );
    const model = strFromU8(files['model.py']);
    expect(model).toContain('class Net(nn.Module):');
    expect(model).toMatch(/^import torch$/m);
    expect(model.match(/^(import|from) .*/gm)).toEqual([
      'import torch',
      'import torch.nn as nn',
      'import torch.nn.functional as F',
    ]);
    const train = strFromU8(files['train.py']);
    expect(train).toContain("DATASET = 'cifar10'");
    expect(train).toContain('START_EPOCH = 2');
    expect(train).toContain('MEAN = (0.4914, 0.4822, 0.4465)');
    const readme = strFromU8(files['README.txt']);
    expect(readme).toContain(
      "model.load_state_dict(load_file('weights.safetensors'), strict=True)",
    );
    expect(readme).toContain('41.50% top-1 on the test split');
    expect(readme).toContain('resnet8');
    // With the counts recorded, the README says which test images the figure is over.
    const counted = (images: number) =>
      strFromU8(
        unzipSync(
          exportBundle({
            spec: resnet8(),
            meta: {
              ...meta,
              metrics: { accuracy: 34.86, split: 'test', images, splitImages: 10_000 },
            },
            weights,
            history,
          }),
        )['README.txt'],
      );
    expect(counted(10_000)).toContain('Accuracy: 34.86% top-1 on all 10,000 test images');
    expect(counted(1000)).toContain(
      'Accuracy: 34.86% top-1 on the first 1,000 of 10,000 test images',
    );
    // What the zip holds loads back into Cardinal.
    const back = importSafetensors(files['weights.safetensors']);
    expect(back.meta.epoch).toBe(2);
    back.model.dispose();
  });

  it('is a pure function: the same inputs give the same bytes', async () => {
    const input = { spec: resnet8(), meta, weights, history };
    expect(same(exportBundle(input), exportBundle(input))).toBe(true);
    expect(same(await exportModelBundle(model, meta, history), exportBundle(input))).toBe(true);
  });

  it('refuses weights of another network', () => {
    const other = { ...resnet8(), classes: 100 };
    expect(() => exportBundle({ spec: other, meta, weights, history })).toThrow(SafetensorsError);
    expect(() => exportBundle({ spec: other, meta, weights, history })).toThrow(
      /fc.weight: file has \[10, 64\], the network needs \[100, 64\]/,
    );
  });

  it('names files safely and writes empty cells for missing values', () => {
    expect(bundleFileName('resnext29 8x64d/../x', meta)).toBe(
      'cardinal-resnext29-8x64d-..-x-cifar10-epoch2.zip',
    );
    expect(metricsCsv([{ ...history[0], testLoss: NaN }]).split('\n')[1]).toBe(
      '1,2.1,22.5,,30,,,12.25',
    );
  });
});
