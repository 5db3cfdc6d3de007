import { describe, expect, it } from 'vitest';
import { analyze, cardinalityStudy, presetRecipe, presetSpec } from '../../spec';
import type { RunRecord } from '../../store/history';
import type { EpochMetrics } from '../../worker/protocol';
import {
  cardinalityOf,
  showCell,
  signedPercent,
  studyColumns,
  studyCsv,
  studyRows,
  type StudyEntry,
} from './studyRows';

const study = cardinalityStudy(presetSpec('resnext11_4x16d')!, [1, 2], true);
const recipe = { ...presetRecipe('quick')!, batchSize: 32 };

const epoch = (n: number, testAcc: number, seconds: number): EpochMetrics => ({
  epoch: n,
  trainLoss: 2,
  trainAcc: testAcc,
  testLoss: 2,
  testAcc,
  perClassAcc: [],
  seconds,
});

function entry(index: number, epochs: EpochMetrics[] | null): StudyEntry {
  const arm = study.arms[index];
  const experiment = { spec: arm.spec, recipe, dataset: 'cifar10' as const, limitTrain: 128 };
  const id = `run-${arm.cardinality}`;
  const run: RunRecord | undefined = epochs
    ? {
        runId: id,
        createdAt: 0,
        config: { ...experiment, runId: id, backend: 'wasm', limitTrain: 128, limitTest: 500 },
        status: 'done',
        backend: 'wasm',
        adapter: null,
        epochs,
        losses: [],
        results: null,
        error: null,
        imagesPerSecond: 16,
      }
    : undefined;
  const state = epochs ? ('done' as const) : ('waiting' as const);
  return { item: { id, label: `C = ${arm.cardinality}`, state, experiment }, run, color: '#000' };
}

describe('cardinality study rows', () => {
  it('reads C and d per stage from a spec', () => {
    expect(cardinalityOf(study.arms[1].spec)).toEqual({
      cardinality: 2,
      d: study.arms[1].perStage.map((s) => s.d).join('/'),
    });
    expect(cardinalityOf(presetSpec('resnet8')!).cardinality).toBe(1);
  });

  it('gives a waiting arm its counts and no measurements', () => {
    const [row] = studyRows([entry(0, null)], 50);
    expect(row.params).toBe(analyze(study.arms[0].spec).totals.params);
    expect(row.macs).toBe(study.arms[0].macs);
    expect(row).toMatchObject({ bestTestAcc: null, msPerStep: null, epochsToTarget: null });
    expect(studyColumns(50).map((c) => showCell(c, c.value(row)))).toContain('—');
  });

  it('measures a trained arm: speed, best accuracy, epochs and time to the target', () => {
    const epochs = [epoch(1, 30, 10), epoch(2, 55, 12), epoch(3, 52, 11)];
    const [row] = studyRows([entry(1, epochs)], 50);
    expect(row).toMatchObject({
      cardinality: 2,
      bestTestAcc: 55,
      epochs: 3,
      epochsToTarget: 2,
      secondsToTarget: 22,
      imagesPerSecond: 16,
      msPerStep: 2000, // 32 images at 16 img/s
    });
    expect(studyRows([entry(1, epochs)], 60)[0].epochsToTarget).toBeNull();
  });

  it('writes one CSV line per arm under a header naming the target', () => {
    const rows = studyRows([entry(0, [epoch(1, 40, 5)]), entry(1, null)], 35);
    const lines = studyCsv(rows, 35).trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('cardinality,d_per_stage,params,macs');
    expect(lines[0]).toContain('epochs_to_35pct,seconds_to_35pct');
    expect(lines[1]).toMatch(/^run-1,C = 1,done,1,/);
    expect(lines[1].endsWith(',1,5')).toBe(true);
    expect(lines[2].endsWith(',0,,')).toBe(true);
  });

  it('says the change against C = 1 with its sign', () => {
    expect(signedPercent(1.0234)).toBe('+2.3%');
    expect(signedPercent(0.99)).toBe('−1.0%');
    expect(signedPercent(1.0001)).toBe('0.0%');
    expect(signedPercent(NaN)).toBe('—');
  });
});
