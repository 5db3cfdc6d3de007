// npm run arch -- <preset | path/to/spec.json> [--classes N] [--input N] [--json]
// The block table and totals of a preset or a spec file: a thin wrapper over src/spec.
// Exit status 2 for an unknown preset, an unreadable or invalid spec, or bad options.

import { existsSync, readFileSync } from 'node:fs';
import {
  analyze,
  PRESETS,
  presetNames,
  validate,
  type Analysis,
  type ArchSpec,
  type Shape,
} from '../src/spec/index';

const USAGE = 'usage: npm run arch -- <preset | spec.json> [--classes N] [--input N] [--json]';

function exit(message: string): never {
  console.error(message);
  process.exit(2);
}

function parseArgs(argv: string[]) {
  const options = { target: '', classes: undefined as number | undefined, input: 32, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--classes') options.classes = wholeNumber(argv[++i], '--classes', 2, 1000);
    else if (arg === '--input') options.input = wholeNumber(argv[++i], '--input', 8, 1024);
    else if (arg.startsWith('--')) exit(`unknown option ${arg}\n${USAGE}`);
    else if (options.target) exit(`one preset or spec file at a time\n${USAGE}`);
    else options.target = arg;
  }
  if (!options.target) exit(USAGE);
  return options;
}

function wholeNumber(text: string | undefined, option: string, min: number, max: number) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    exit(`${option} needs a whole number from ${min} to ${max}, got ${text ?? 'nothing'}`);
  }
  return value;
}

function loadSpec(target: string): ArchSpec {
  if (Object.hasOwn(PRESETS, target)) return PRESETS[target].spec;
  if (!target.endsWith('.json') && !existsSync(target)) {
    exit(`unknown preset "${target}"; presets: ${presetNames().join(', ')}`);
  }
  let spec: unknown;
  try {
    spec = JSON.parse(readFileSync(target, 'utf8'));
  } catch (error) {
    exit(`cannot read ${target}: ${(error as Error).message}`);
  }
  const issues = validate(spec);
  if (issues.length > 0) {
    exit(
      [`${target} is not a valid spec:`, ...issues.map((i) => `  ${i.path}: ${i.message}`)].join(
        '\n',
      ),
    );
  }
  return spec as ArchSpec;
}

const count = (n: number) => n.toLocaleString('en-US');
const shape = ([c, h, w]: Shape) => (h === 1 && w === 1 ? `${c}` : `${c}×${h}×${w}`);
const millions = (n: number) => `${(n / 1e6).toFixed(2)} M`;

function printTable(title: string, analysis: Analysis): void {
  const header = ['name', 'kind', 'in → out', 'params', 'MACs', 'shortcut'];
  const lines = analysis.rows.map((row) => [
    row.name,
    row.kind,
    `${shape(row.input)} → ${shape(row.output)}`,
    count(row.params),
    count(row.macs),
    row.kind === 'stem' || row.kind === 'head' ? '' : row.shortcut,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((line) => line[c].length)));
  const numeric = new Set([3, 4]);
  const format = (cells: string[]) =>
    cells
      .map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  console.log(title);
  console.log(format(header));
  for (const line of lines) console.log(format(line));
  const { params, macs } = analysis.totals;
  console.log(`\nparams         ${count(params)} (${millions(params)})`);
  console.log(`multiply-adds  ${count(macs)} (${millions(macs)}) per image`);
  for (const stage of analysis.stages) {
    console.log(`layer${stage.stage}         ${stage.blocks} blocks → ${shape(stage.output)}`);
  }
}

const options = parseArgs(process.argv.slice(2));
const spec = loadSpec(options.target);
const analysis = analyze(spec, options.classes ?? spec.classes, options.input);
if (options.json) {
  const { params, macs, activations } = analysis.totals;
  const { classes, input, stages, rows } = analysis;
  console.log(
    JSON.stringify({
      target: options.target,
      params,
      macs,
      activations,
      classes,
      input,
      stages,
      blocks: rows,
    }),
  );
} else {
  const { classes, input } = analysis;
  printTable(`${options.target}: ${classes} classes, ${input[1]}×${input[2]} input\n`, analysis);
}
