// The export bundle: one .zip with everything needed to use a Cardinal network in PyTorch or
// to continue its training there. A pure function of its inputs (no clock, no model, no I/O),
// so the page, the worker and the headless runner produce the same bytes:
//
//   weights.safetensors  the state dict (torchvision names, PyTorch layouts) + metadata
//   model.py             Net, generated from the layer walk (pytorchModel.ts)
//   train.py             continues the run with its recipe, one GPU or torchrun (trainScript.ts)
//   spec.json            the ArchSpec
//   recipe.json          the Recipe
//   metrics.csv          one row per epoch: losses, accuracies, seconds
//   README.txt           how to load, evaluate and continue

import { strToU8, zipSync, type Zippable } from 'fflate';
import { analyze } from '../../spec/analyze';
import { evaluatedOn } from '../../spec/runSize';
import type { ArchSpec } from '../../spec/types';
import { planModel } from '../params';
import { pytorchModelSource } from './pytorchModel';
import { compareTensors, readSafetensorsHeader, SafetensorsError } from './safetensors';
import { trainScriptSource } from './trainScript';
import {
  expectedTensors,
  exportSafetensors,
  statsFor,
  type ExportMeta,
  type ExportMetrics,
} from './weights';
import type { Model } from '../model';
import type { EpochMetrics } from '../train';

/** One epoch's figures as metrics.csv holds them (per-class accuracy is not written). */
export type EpochRecord = Omit<EpochMetrics, 'perClassAcc'>;

export interface BundleInput {
  spec: ArchSpec;
  meta: ExportMeta;
  /** The bytes exportSafetensors() wrote for this spec. */
  weights: Uint8Array;
  history: readonly EpochRecord[];
  /** A name for the README, e.g. the preset's ("resnet20"). */
  name?: string;
  /** The files' modification time; by default 1980-01-01 so the same inputs give the same bytes. */
  date?: Date;
}

export const BUNDLE_FILES = [
  'README.txt',
  'weights.safetensors',
  'model.py',
  'train.py',
  'spec.json',
  'recipe.json',
  'metrics.csv',
] as const;

const csvNumber = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '' : String(v));

/** metrics.csv: a header and one row per epoch; empty cells where there is no value. */
export function metricsCsv(history: readonly EpochRecord[]): string {
  const header = 'epoch,train_loss,train_acc,test_loss,test_acc,val_loss,val_acc,seconds';
  const rows = history.map((h) =>
    [h.epoch, h.trainLoss, h.trainAcc, h.testLoss, h.testAcc, h.valLoss, h.valAcc, h.seconds]
      .map(csvNumber)
      .join(','),
  );
  return [header, ...rows].join('\n') + '\n';
}

/** A file name for the bundle, e.g. "cardinal-resnet20-cifar10-epoch12.zip". */
export function bundleFileName(name: string, meta: Pick<ExportMeta, 'dataset' | 'epoch'>): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'network';
  return `cardinal-${safe}-${meta.dataset}-epoch${meta.epoch}.zip`;
}

/** "34.86% top-1 on all 10,000 test images" (or "on the first 1,000 of 10,000 …"). */
function accuracyLine({ accuracy, split, images, splitImages }: ExportMetrics): string {
  const where =
    images !== undefined && splitImages !== undefined
      ? evaluatedOn({ images, of: splitImages }, split)
      : `on the ${split} split`;
  return `${accuracy.toFixed(2)}% top-1 ${where}`;
}

function readme(input: BundleInput): string {
  const { spec, meta, name } = input;
  const stats = meta.stats ?? statsFor(meta.dataset);
  const { totals } = analyze(spec);
  const accuracy = meta.metrics ? accuracyLine(meta.metrics) : 'not measured';
  const title = name ? `${name} ` : '';
  return `Cardinal ${meta.cardinalVersion} export: ${title}on ${meta.dataset}, after ${meta.epoch} epoch(s)
Accuracy: ${accuracy}
Parameters: ${totals.params.toLocaleString('en-US')}; multiply-adds per 32x32 image: ${totals.macs.toLocaleString('en-US')}

Files
  weights.safetensors  every parameter and batch-norm buffer, torchvision names, PyTorch layouts
                       (conv [out, in/groups, kh, kw], linear [out, in], float32;
                       num_batches_tracked int64). Its __metadata__ holds spec, recipe, dataset,
                       mean, std, epoch, metrics and cardinal_version as strings (JSON where
                       structured), so Cardinal can import the file back.
  model.py             Net: the same network as a self-contained PyTorch module (torch only).
  train.py             continues training with the run's recipe (see below).
  spec.json            the architecture as Cardinal describes it.
  recipe.json          the training recipe.
  metrics.csv          per-epoch curves: epoch, train loss/accuracy, test loss/accuracy,
                       validation loss/accuracy (empty without a validation split), seconds.

Load in PyTorch
  import torch
  from safetensors.torch import load_file   # pip install safetensors
  from model import Net
  model = Net()
  model.load_state_dict(load_file('weights.safetensors'), strict=True)
  model.eval()

  Without the safetensors package, train.py has a small reader:
  from train import read_safetensors
  state, metadata = read_safetensors('weights.safetensors')
  model.load_state_dict(state, strict=True)

Input
  float32 NCHW [N, 3, 32, 32]: RGB pixels / 255, then per channel (x - mean) / std with
  mean = (${stats.mean.join(', ')}), std = (${stats.std.join(', ')}).
  Output: logits [N, ${spec.classes}].

Continue training (needs only torch; reads the official CIFAR binary archive)
  python train.py --data ./data --download               one GPU (or the CPU)
  torchrun --nproc_per_node=4 train.py --data ./data     DistributedDataParallel
  python train.py --data ./data --eval-only              test accuracy of these weights
  It continues from epoch ${meta.epoch} to the recipe's ${meta.recipe.epochs} (--epochs to change), with the same
  optimizer, schedule (wound forward to epoch ${meta.epoch}), augmentation, label smoothing and clipping;
  the optimizer's momentum/moment buffers are not exported and start afresh. Each epoch writes
  out/weights.safetensors (importable by Cardinal), out/metrics.csv and out/checkpoint.pt.

Numerics
  Batch norm as PyTorch (momentum 0.1, eps 1e-5). Cardinal's eval-mode logits and model.py's
  agree to float32 rounding (its tests require at most 1e-4 apart). train.py's augmentation
  and data order use torch's random numbers, so its draws differ from Cardinal's.
`;
}

/** The bundle's bytes. Throws when the weights do not belong to the spec. */
export function exportBundle(input: BundleInput): Uint8Array {
  const { spec, meta, weights, history } = input;
  const header = readSafetensorsHeader(weights);
  const problems = compareTensors(header.tensors, expectedTensors(planModel(spec)));
  if (problems.length > 0) {
    throw new SafetensorsError(`the weights are not this spec's: ${problems.join('; ')}`);
  }
  const stats = meta.stats ?? statsFor(meta.dataset);
  const text = (s: string): Uint8Array => strToU8(s);
  const files: Zippable = {
    'README.txt': text(readme(input)),
    // Weights barely compress; storing them keeps the export fast for 100 MB+ models.
    'weights.safetensors': [weights, { level: 0 }],
    'model.py': text(pytorchModelSource(spec, { cardinalVersion: meta.cardinalVersion })),
    'train.py': text(
      trainScriptSource({
        spec,
        recipe: meta.recipe,
        dataset: meta.dataset,
        stats,
        epoch: meta.epoch,
        cardinalVersion: meta.cardinalVersion,
      }),
    ),
    'spec.json': text(JSON.stringify(spec, null, 2) + '\n'),
    'recipe.json': text(JSON.stringify(meta.recipe, null, 2) + '\n'),
    'metrics.csv': text(metricsCsv(history)),
  };
  return zipSync(files, { level: 6, mtime: input.date ?? new Date(1980, 0, 1, 12) });
}

/** exportSafetensors then exportBundle, for callers that hold the model. */
export async function exportModelBundle(
  model: Model,
  meta: ExportMeta,
  history: readonly EpochRecord[],
  name?: string,
): Promise<Uint8Array> {
  const weights = await exportSafetensors(model, meta);
  return exportBundle({ spec: model.spec, meta, weights, history, name });
}
