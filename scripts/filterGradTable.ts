// npx tsx scripts/filterGradTable.ts [preset…] [--batch N (128)]
// For every conv of each preset (default: resnet20 and resnext20_4x16d) at the batch size, the
// threads a filter-gradient dispatch launches: TF.js 4.22's (one per weight) against ours
// (split-K, src/engine/kernels/convFilterGrad.ts). Markdown on stdout. Pure geometry: needs no
// GPU, and prints what any GPU is handed.

import { fileURLToPath } from 'node:url';
import { filterGradTable } from '../src/engine/kernels/filterGradTable';
import { PRESETS, presetNames } from '../src/spec/index';
import { scanArgs, unknownArgument, UsageError, wholeNumber } from './lib/cli';

export function filterGradMarkdown(presets: string[], batch: number): string {
  const lines: string[] = [];
  for (const name of presets) {
    const rows = filterGradTable(PRESETS[name].spec, batch);
    const fewest = Math.min(...rows.map((r) => r.invocations));
    lines.push(
      `### ${name}, batch ${batch}: fewest threads of ours ${fewest.toLocaleString('en')}`,
      '',
      '| conv | input | filter | s | p | groups | TF.js threads | splits | our threads | products/thread (TF.js → ours) |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.conv} | ${r.input} | ${r.filter} | ${r.stride} | ${r.pad} | ${r.groups} | ` +
          `${r.stockInvocations} | ${r.splits} | ${r.invocations} | ` +
          `${r.stockProductsPerThread} → ${r.productsPerThread} |`,
      ),
      '',
    );
  }
  return lines.join('\n');
}

function main(argv: string[]): number {
  const presets: string[] = [];
  let batch = 128;
  try {
    scanArgs(argv, (arg, value) => {
      if (arg === '--batch') batch = wholeNumber(value(), '--batch', 1, 4096);
      else if (arg.startsWith('--')) throw unknownArgument(arg);
      else if (!Object.hasOwn(PRESETS, arg)) {
        throw new UsageError(`unknown preset "${arg}" (one of ${presetNames().join(', ')})`);
      } else presets.push(arg);
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  process.stdout.write(
    filterGradMarkdown(presets.length ? presets : ['resnet20', 'resnext20_4x16d'], batch),
  );
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  process.exitCode = main(process.argv.slice(2));
