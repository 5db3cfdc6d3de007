// Every Learn demo's committed reference (public/reference/<demo>.json, scripts/reference.ts)
// must be of the demo as it is now: a change to a demo's networks, recipe or image counts
// fails here until its reference is computed again.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMOS } from './demos';
import { isReferenceFile, referenceHash, referencePath } from './reference';

const fileOf = (demoId: string) =>
  new URL(`../../public/${referencePath(demoId)}`, import.meta.url);
const read = (demoId: string): unknown => JSON.parse(readFileSync(fileOf(demoId), 'utf8'));

// A demo whose reference has not been computed yet is listed as a to-do (the Learn panel says
// "no reference yet" for it); a reference that exists must be well-formed and fresh.
const computed = DEMOS.filter((d) => existsSync(fileOf(d.id)));
for (const demo of DEMOS.filter((d) => !computed.includes(d))) {
  it.todo(
    `compute the ${demo.id} demo’s reference: npx tsx scripts/reference.ts --demos ${demo.id}`,
  );
}

it('at least one demo has a committed reference', () => {
  expect(computed.length).toBeGreaterThan(0);
});

describe.each(computed.map((d) => [d.id, d] as const))('the %s demo’s reference', (_, demo) => {
  const plan = demo.sizes.quick;
  it('exists, is well-formed and is fresh (its hash is the quick plan’s)', () => {
    const file = read(demo.id);
    expect(isReferenceFile(file)).toBe(true);
    if (!isReferenceFile(file)) return;
    expect(file.demo).toBe(demo.id);
    expect(file.hash, `rerun: npx tsx scripts/reference.ts --demos ${demo.id}`).toBe(
      referenceHash(plan),
    );
  });

  it('has every arm, every epoch and at most 500 loss points per arm', () => {
    const file = read(demo.id);
    if (!isReferenceFile(file)) throw new Error('not a reference file');
    expect(file.arms.map((a) => a.label)).toEqual(plan.runs.map((r) => r.label));
    file.arms.forEach((arm, i) => {
      const run = plan.runs[i];
      expect(arm.epochs.map((e) => e.epoch)).toEqual(
        Array.from({ length: run.recipe.epochs }, (_, k) => k + 1),
      );
      expect(arm.loss.length).toBeGreaterThan(0);
      expect(arm.loss.length).toBeLessThanOrEqual(500);
      // The last loss point is at the end of training: every image of every epoch.
      expect(arm.loss.at(-1)![0]).toBe(run.limitTrain * run.recipe.epochs);
    });
  });
});
