// A model's weights as a safetensors file that PyTorch loads as a state dict: every parameter
// and batch-norm buffer under its torchvision name, in PyTorch's layout (conv [out, in/g, kh,
// kw], linear [out, in]), num_batches_tracked as int64. The file's __metadata__ carries what
// is needed to rebuild and continue the run (strings, as the format requires):
//
//   format            "pt" (what safetensors.torch.save_file writes)
//   cardinal_version  Cardinal's version, e.g. "0.1.0"
//   spec, recipe      the ArchSpec and Recipe as JSON
//   dataset           "cifar10" | "cifar100"
//   mean, std         the Normalize constants as JSON lists of 3 numbers
//   input_size        "32"
//   epoch             epochs completed, e.g. "12"
//   metrics           JSON {"accuracy": percent, "split": "test" | "validation", "images": n,
//                     "splitImages": n} (measured on the first `images` of the split), or "null"
//
// Importing checks the file completely (safetensors.ts) and against the network before it
// builds or changes anything: a bad file leaves every model as it was.

import * as tf from '@tensorflow/tfjs';
import type { DatasetId } from '../../data/cifar';
import { isRecipe, validate } from '../../spec/validate';
import type { ArchSpec, Recipe } from '../../spec/types';
import { CIFAR100_STATS, CIFAR10_STATS, type NormStats } from '../augment';
import { buildModel, type Model } from '../model';
import {
  bufferInfos,
  fromTorchLayout,
  paramInfos,
  planModel,
  toTorchLayout,
  torchShape,
  type ModelPlan,
} from '../params';
import {
  compareTensors,
  readSafetensors,
  SafetensorsError,
  writeSafetensors,
  type ExpectedTensor,
  type SafetensorsInput,
  type SafetensorsTensor,
} from './safetensors';

/** The run's final (or latest) accuracy and where it was measured. */
export interface ExportMetrics {
  /** Top-1 accuracy in percent. */
  accuracy: number;
  split: 'test' | 'validation';
  /** Measured on the first `images` of the split's `splitImages` (absent: not recorded). */
  images?: number;
  splitImages?: number;
}

export interface ExportMeta {
  dataset: DatasetId;
  /** Normalize constants; by default the dataset's (DESIGN.md). */
  stats?: NormStats;
  recipe: Recipe;
  /** Epochs completed when the weights were taken. */
  epoch: number;
  metrics: ExportMetrics | null;
  /** package.json's version; the caller passes it in (the engine does not read files). */
  cardinalVersion: string;
}

/** What a file's metadata said, each field only where it was present and well-formed. */
export interface ImportedMeta {
  spec?: ArchSpec;
  recipe?: Recipe;
  dataset?: DatasetId;
  stats?: NormStats;
  epoch?: number;
  metrics?: ExportMetrics | null;
  cardinalVersion?: string;
  inputSize?: number;
}

export const statsFor = (dataset: DatasetId): NormStats =>
  dataset === 'cifar100' ? CIFAR100_STATS : CIFAR10_STATS;

/** The state dict a plan needs: names in state_dict() order, PyTorch shapes, dtypes. */
export function expectedTensors(plan: ModelPlan): ExpectedTensor[] {
  // state_dict() lists each module's parameters then its buffers, module by module; a BN's
  // entries are weight, bias, running_mean, running_var, num_batches_tracked.
  const buffers = new Map<string, ExpectedTensor[]>();
  for (const b of bufferInfos(plan)) {
    const owner = b.name.slice(0, b.name.lastIndexOf('.'));
    const list = buffers.get(owner) ?? [];
    const dtype = b.dtype === 'int32' ? 'I64' : 'F32';
    list.push({ name: b.name, dtype, shape: b.shape });
    buffers.set(owner, list);
  }
  const out: ExpectedTensor[] = [];
  for (const p of paramInfos(plan)) {
    out.push({ name: p.name, dtype: 'F32', shape: torchShape(p.name, p.shape) });
    const owner = p.name.slice(0, p.name.lastIndexOf('.'));
    if (p.name.endsWith('.bias') && buffers.has(owner)) {
      out.push(...buffers.get(owner)!);
      buffers.delete(owner);
    }
  }
  return out;
}

/** The model's state dict as a safetensors file (PyTorch layouts, torchvision names). */
export async function exportSafetensors(model: Model, meta: ExportMeta): Promise<Uint8Array> {
  model.applyBatchNormUpdates();
  const tensors: SafetensorsInput[] = [];
  for (const t of expectedTensors(model.plan)) {
    const variable = model.params.get(t.name) ?? model.buffers.get(t.name);
    if (!variable) throw new Error(`the model has no tensor ${t.name}`);
    if (t.dtype === 'I64') {
      const data = (await variable.data()) as Int32Array;
      tensors.push({ name: t.name, dtype: 'I64', shape: t.shape, data });
      continue;
    }
    const torch = toTorchLayout(t.name, variable);
    try {
      const data = (await torch.data()) as Float32Array;
      tensors.push({ name: t.name, dtype: 'F32', shape: torch.shape, data });
    } finally {
      torch.dispose();
    }
  }
  return writeSafetensors(tensors, exportMetadata(model.spec, meta, model.plan.inputSize));
}

export function exportMetadata(
  spec: ArchSpec,
  meta: ExportMeta,
  inputSize = 32,
): Record<string, string> {
  const stats = meta.stats ?? statsFor(meta.dataset);
  return {
    format: 'pt',
    cardinal_version: meta.cardinalVersion,
    spec: JSON.stringify(spec),
    dataset: meta.dataset,
    mean: JSON.stringify([...stats.mean]),
    std: JSON.stringify([...stats.std]),
    recipe: JSON.stringify(meta.recipe),
    input_size: String(inputSize),
    epoch: String(meta.epoch),
    metrics: JSON.stringify(meta.metrics),
  };
}

/** Reads what it can from a file's metadata; malformed fields are left out, never thrown. */
export function parseMetadata(metadata: Record<string, string>): ImportedMeta {
  const json = (key: string): unknown => {
    if (!Object.hasOwn(metadata, key)) return undefined;
    try {
      return JSON.parse(metadata[key]);
    } catch {
      return undefined;
    }
  };
  const out: ImportedMeta = {};
  const spec = json('spec');
  if (spec !== undefined && validate(spec).length === 0) out.spec = spec as ArchSpec;
  const recipe = json('recipe');
  if (recipe !== undefined && isRecipe(recipe)) out.recipe = recipe;
  const dataset = metadata.dataset;
  if (dataset === 'cifar10' || dataset === 'cifar100') out.dataset = dataset;
  const triple = (v: unknown): v is [number, number, number] =>
    Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number');
  const [mean, std] = [json('mean'), json('std')];
  if (triple(mean) && triple(std)) out.stats = { mean, std };
  const epoch = json('epoch');
  if (Number.isSafeInteger(epoch) && (epoch as number) >= 0) out.epoch = epoch as number;
  const metrics = json('metrics');
  if (metrics === null) out.metrics = null;
  else if (isMetrics(metrics)) {
    const { accuracy, split, images, splitImages } = metrics;
    const counted = Number.isSafeInteger(images) && Number.isSafeInteger(splitImages);
    out.metrics = { accuracy, split, ...(counted ? { images, splitImages } : {}) };
  }
  if (typeof metadata.cardinal_version === 'string') {
    out.cardinalVersion = metadata.cardinal_version;
  }
  const inputSize = json('input_size');
  if (Number.isSafeInteger(inputSize) && (inputSize as number) > 0) {
    out.inputSize = inputSize as number;
  }
  return out;
}

function isMetrics(v: unknown): v is ExportMetrics {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return typeof m.accuracy === 'number' && (m.split === 'test' || m.split === 'validation');
}

/** The network a file is for: the given spec, or the one in its metadata. */
function specFor(metadata: Record<string, string>, given: ArchSpec | undefined): ArchSpec {
  if (given) {
    const issues = validate(given);
    if (issues.length > 0) {
      throw new SafetensorsError(`the given spec is not valid: ${issues[0].message}`);
    }
    return given;
  }
  if (!Object.hasOwn(metadata, 'spec')) {
    throw new SafetensorsError(
      'the file carries no Cardinal spec in its metadata: pass the spec it was trained with',
    );
  }
  let spec: unknown;
  try {
    spec = JSON.parse(metadata.spec);
  } catch {
    throw new SafetensorsError('the spec in the file metadata is not valid JSON');
  }
  const issues = validate(spec);
  if (issues.length > 0) {
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problems)` : '';
    throw new SafetensorsError(
      `the spec in the file metadata is not valid: ${issues[0].message}${more}`,
    );
  }
  return spec as ArchSpec;
}

/** Throws one SafetensorsError listing every mismatch between a file and a plan. */
function checkAgainst(tensors: Map<string, SafetensorsTensor>, plan: ModelPlan): void {
  const problems = compareTensors([...tensors.values()], expectedTensors(plan));
  for (const t of tensors.values()) {
    if (t.dtype !== 'I64') continue;
    for (const v of t.data) {
      if (v < 0n || v > 2147483647n) problems.push(`${t.name}: ${v} is out of range`);
    }
  }
  for (const t of tensors.values()) {
    if (t.dtype === 'F32' && t.name.endsWith('running_var') && t.data.some((v) => !(v >= 0))) {
      problems.push(`${t.name}: a variance is negative or NaN`);
    }
  }
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (${problems.length} problems)` : '';
    throw new SafetensorsError(
      `the weights do not fit this network${more}: ${problems.join('; ')}`,
    );
  }
}

/**
 * Writes the file's tensors into an existing model's variables, after checking the whole file
 * against the model: on any problem it throws and the model is unchanged.
 */
export function loadSafetensors(model: Model, bytes: Uint8Array): ImportedMeta {
  const file = readSafetensors(bytes);
  checkAgainst(file.tensors, model.plan);
  assign(model, file.tensors);
  return parseMetadata(file.metadata);
}

function assign(model: Model, tensors: Map<string, SafetensorsTensor>): void {
  for (const t of tensors.values()) {
    const variable = (model.params.get(t.name) ?? model.buffers.get(t.name)) as tf.Variable;
    tf.tidy(() => {
      if (t.dtype === 'I64') {
        variable.assign(tf.tensor(Int32Array.from(t.data, Number), t.shape, 'int32'));
      } else {
        variable.assign(fromTorchLayout(t.name, tf.tensor(t.data, t.shape, 'float32')));
      }
    });
  }
}

export interface ImportOptions {
  /** Check against and build this network; by default the spec in the file's metadata. */
  spec?: ArchSpec;
  /** Square input size; by default the file's input_size, else 32. */
  inputSize?: number;
}

export interface ImportResult {
  /** A freshly built model holding the file's weights (the caller disposes it). */
  model: Model;
  spec: ArchSpec;
  meta: ImportedMeta;
  /** The raw __metadata__ strings. */
  metadata: Record<string, string>;
}

/** Reads a safetensors file, checks it against its network, and builds that network with it. */
export function importSafetensors(bytes: Uint8Array, options: ImportOptions = {}): ImportResult {
  const file = readSafetensors(bytes);
  const meta = parseMetadata(file.metadata);
  const spec = specFor(file.metadata, options.spec);
  const inputSize = options.inputSize ?? meta.inputSize ?? 32;
  let plan: ModelPlan;
  try {
    plan = planModel(spec, inputSize);
  } catch (error) {
    throw new SafetensorsError(`cannot build the network: ${(error as Error).message}`);
  }
  checkAgainst(file.tensors, plan);
  const model = buildModel(spec, { seed: meta.recipe?.seed ?? 0, inputSize });
  try {
    assign(model, file.tensors);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, spec, meta, metadata: file.metadata };
}
