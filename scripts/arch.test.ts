import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const arch = (...args: string[]) =>
  spawnSync('npx', ['tsx', 'scripts/arch.ts', ...args], { cwd: root, encoding: 'utf8' });

describe('npm run arch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON object for a preset', () => {
    const result = arch('resnet20', '--json');
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.params).toBe(269_722);
    expect(summary.macs).toBe(40_551_040);
    expect(summary.blocks).toHaveLength(11);
    expect(summary.stages.map((s: { output: number[] }) => s.output)).toEqual([
      [16, 32, 32],
      [32, 16, 16],
      [64, 8, 8],
    ]);
  });

  it('prints a table for a spec file, with --classes', () => {
    const specPath = join(dir, 'resnet8.json');
    const spec = {
      stem: { kind: 'cifar', channels: 16, dropout: 0 },
      stages: [16, 32, 64].map((c, i) => ({
        blocks: 1,
        block: 'basic',
        outChannels: c,
        bottleneckWidth: c,
        cardinality: 1,
        stride: i === 0 ? 1 : 2,
        shortcut: 'A',
      })),
      head: { pool: 'avg' },
      classes: 10,
      residual: true,
      reluAfterAdd: true,
      convBias: false,
    };
    writeFileSync(specPath, JSON.stringify(spec));
    const result = arch(specPath, '--classes', '100');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/layer2\.0\s+basic\s+16×32×32 → 32×16×16\s+13,952/);
    expect(result.stdout).toMatch(/params\s+81,140/); // ResNet-8 with 100 classes
  });

  it('exits 2 with the issues of an invalid spec file', () => {
    const specPath = join(dir, 'bad.json');
    writeFileSync(specPath, JSON.stringify({ stem: { kind: 'cifar', channels: 0, dropout: 0 } }));
    const result = arch(specPath);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('stem/channels: stem channels must be a whole number');
    expect(result.stderr).toContain('stages: stages is missing');
  });

  it('exits 2 and lists the presets for an unknown name', () => {
    const result = arch('resnet9000');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown preset "resnet9000"; presets: resnet8, resnet14/);
  });
});
