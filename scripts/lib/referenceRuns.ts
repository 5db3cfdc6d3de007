// The pure half of scripts/reference.ts: what one arm's train.py run is told, and how its
// metrics.csv and steps.csv become a reference arm. No I/O, so the tests can check it.

import {
  downsampleLoss,
  imagesSeen,
  type ReferenceArm,
  type ReferenceEpoch,
} from '../../src/spec/reference';
import type { DemoRun } from '../../src/spec/demos';
import { testLimitFor } from '../../src/spec/runSize';

/** A folder name for an arm ("plain-56" → "plain-56", "C = 4 (4×16d)" → "C-4-4-16d"). */
export const armFolder = (index: number, label: string) =>
  `${index + 1}-${label.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '')}`;

/** train.py's arguments for an arm: from scratch with the page's init, the page's image counts. */
export function trainArgs(run: DemoRun, data: string, out: string): string[] {
  const args = ['--from-scratch', '--data', data, '--out', out, '--device', 'cpu', '--log-steps'];
  if (run.limitTrain) args.push('--limit-train', String(run.limitTrain));
  const test = testLimitFor(run.limitTrain);
  if (test) args.push('--limit-test', String(test));
  return args;
}

/** Rows of a CSV with a header line, as objects of strings. */
export function parseCsv(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split('\n');
  const names = header.split(',');
  return lines
    .filter((l) => l.trim() !== '')
    .map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i], v])));
}

const num = (row: Record<string, string>, name: string): number => {
  const v = Number(row[name]);
  if (row[name] === undefined || row[name] === '' || !Number.isFinite(v)) {
    throw new Error(`${name} is not a number in ${JSON.stringify(row)}`);
  }
  return v;
};

export function parseEpochs(metricsCsv: string): ReferenceEpoch[] {
  return parseCsv(metricsCsv).map((r) => ({
    epoch: num(r, 'epoch'),
    trainLoss: num(r, 'train_loss'),
    trainAcc: num(r, 'train_acc'),
    testLoss: num(r, 'test_loss'),
    testAcc: num(r, 'test_acc'),
    seconds: num(r, 'seconds'),
  }));
}

/**
 * Step losses as [images seen, loss]: train.py takes each epoch's images in batches of
 * `batch`, the last one short, so step k of an epoch has seen min(k × batch, images) of it.
 */
export function stepLosses(stepsCsv: string, images: number, batch: number): [number, number][] {
  return parseCsv(stepsCsv).map((r) => [imagesSeen(num(r, 'step'), images, batch), num(r, 'loss')]);
}

/** One arm's reference: its epochs and (≤ 500) loss points; throws if the run did not finish. */
export function referenceArm(
  run: DemoRun,
  metricsCsv: string,
  stepsCsv: string,
  images: number,
): ReferenceArm {
  const epochs = parseEpochs(metricsCsv);
  if (epochs.length !== run.recipe.epochs) {
    throw new Error(`${run.label}: ${epochs.length} of ${run.recipe.epochs} epochs in metrics.csv`);
  }
  const steps = stepLosses(stepsCsv, images, run.recipe.batchSize);
  const expected = Math.ceil(images / run.recipe.batchSize) * run.recipe.epochs;
  if (steps.length !== expected) {
    throw new Error(`${run.label}: ${steps.length} of ${expected} steps in steps.csv`);
  }
  return {
    label: run.label,
    loss: downsampleLoss(steps),
    epochs,
    seconds: Math.round(epochs.reduce((s, e) => s + e.seconds, 0) * 10) / 10,
  };
}
