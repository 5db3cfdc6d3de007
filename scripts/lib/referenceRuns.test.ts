import { describe, expect, it } from 'vitest';
import { demoById } from '../../src/spec/demos';
import { armFolder, parseEpochs, referenceArm, stepLosses, trainArgs } from './referenceRuns';

const run = demoById('degradation')!.sizes.quick.runs[1]; // plain-56: 10,000 images, 3 epochs

const metrics = (epochs: number) =>
  'epoch,train_loss,train_acc,test_loss,test_acc,val_loss,val_acc,seconds,lr\n' +
  Array.from({ length: epochs }, (_, i) => `${i + 1},2.1,20.5,2.2,19.5,,,10.5,0.1`).join('\n');

const steps = (count: number) =>
  'epoch,step,loss,lr\n' +
  Array.from(
    { length: count },
    (_, i) => `${Math.floor(i / 79) + 1},${i + 1},${2.3 - i / 1000},0.1`,
  ).join('\n');

describe('the reference script’s arms', () => {
  it('names folders safely', () => {
    expect(armFolder(0, 'plain-56')).toBe('1-plain-56');
    expect(armFolder(3, 'C = 8, d = 10/20/40')).toBe('4-C-8-d-10-20-40');
  });

  it('runs train.py from scratch with the page’s image counts', () => {
    const args = trainArgs(run, '/data', '/out');
    expect(args).toEqual(expect.arrayContaining(['--from-scratch', '--log-steps']));
    expect(args.join(' ')).toContain('--limit-train 10000');
    expect(args.join(' ')).toContain('--limit-test 2000');
  });

  it('reads metrics.csv and puts each step at the images it has seen', () => {
    expect(parseEpochs(metrics(1))).toEqual([
      { epoch: 1, trainLoss: 2.1, trainAcc: 20.5, testLoss: 2.2, testAcc: 19.5, seconds: 10.5 },
    ]);
    const points = stepLosses(steps(80), 10_000, 128);
    expect(points[0]).toEqual([128, 2.3]);
    expect(points[78][0]).toBe(10_000); // the short last batch of epoch 1
    expect(points[79][0]).toBe(10_128);
  });

  it('builds an arm from a finished run and refuses an unfinished one', () => {
    const arm = referenceArm(run, metrics(3), steps(237), 10_000);
    expect(arm.label).toBe('plain-56');
    expect(arm.loss).toHaveLength(237);
    expect(arm.loss.at(-1)![0]).toBe(30_000);
    expect(arm.seconds).toBe(31.5);
    expect(() => referenceArm(run, metrics(2), steps(237), 10_000)).toThrow(/2 of 3 epochs/);
    expect(() => referenceArm(run, metrics(3), steps(200), 10_000)).toThrow(/200 of 237 steps/);
    expect(() => referenceArm(run, metrics(3).replace('2.1', 'nan?'), steps(237), 10_000)).toThrow(
      /not a number/,
    );
  });
});
