// A trainer's whole state as plain typed arrays: weights, batch-norm buffers, optimizer slots,
// the random streams and the step count. Structured-cloneable, so the worker stores it in
// IndexedDB as is, and a resumed run continues bit-for-bit where the checkpoint was taken.
import * as tf from '@tensorflow/tfjs';
import type { OptimizerState, ParamState } from './optim';

export interface TensorData {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

type SlotName = 'momentumBuffer' | 'expAvg' | 'expAvgSq';
const SLOTS: SlotName[] = ['momentumBuffer', 'expAvg', 'expAvgSq'];

export interface Checkpoint {
  version: 1;
  params: Record<string, TensorData>;
  buffers: Record<string, TensorData>;
  optimizer: {
    kind: OptimizerState['kind'];
    step: number;
    params: Record<string, { step: number } & Partial<Record<SlotName, TensorData>>>;
  };
  /** The augmentation and dropout generators' states. */
  augmentRng: number;
  dropoutRng: number;
  /** Training steps done (PyTorch's global iteration). */
  steps: number;
}

async function toData(t: tf.Tensor): Promise<TensorData> {
  const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
  return { shape: [...t.shape], dtype, data: (await t.data()) as Float32Array | Int32Array };
}

const fromData = (d: TensorData) => tf.tensor(d.data, d.shape, d.dtype);

async function record(map: Map<string, tf.Tensor>): Promise<Record<string, TensorData>> {
  const out: Record<string, TensorData> = {};
  for (const [name, t] of map) out[name] = await toData(t);
  return out;
}

export interface CheckpointSource {
  params: Map<string, tf.Variable>;
  buffers: Map<string, tf.Variable>;
  optimizerState(): OptimizerState;
  augmentRng: number;
  dropoutRng: number;
  steps: number;
}

export async function captureCheckpoint(source: CheckpointSource): Promise<Checkpoint> {
  const state = source.optimizerState();
  try {
    const optimizerParams: Checkpoint['optimizer']['params'] = {};
    for (const [name, slot] of Object.entries(state.params)) {
      const entry: Checkpoint['optimizer']['params'][string] = { step: slot.step };
      for (const key of SLOTS) {
        const tensor = slot[key];
        if (tensor) entry[key] = await toData(tensor);
      }
      optimizerParams[name] = entry;
    }
    return {
      version: 1,
      params: await record(source.params),
      buffers: await record(source.buffers),
      optimizer: { kind: state.kind, step: state.step, params: optimizerParams },
      augmentRng: source.augmentRng,
      dropoutRng: source.dropoutRng,
      steps: source.steps,
    };
  } finally {
    for (const slot of Object.values(state.params)) tf.dispose(SLOTS.map((k) => slot[k]));
  }
}

/** Writes a checkpoint's weights and buffers into the variables; names and shapes must match. */
export function assignVariables(
  variables: Map<string, tf.Variable>,
  saved: Record<string, TensorData>,
): void {
  for (const [name, variable] of variables) {
    const d = saved[name];
    if (!d) throw new Error(`the checkpoint has no tensor ${name}`);
    if (d.shape.join() !== variable.shape.join()) {
      throw new Error(`${name}: checkpoint shape [${d.shape}] ≠ model shape [${variable.shape}]`);
    }
    tf.tidy(() => variable.assign(fromData(d)));
  }
}

/** The optimizer state of a checkpoint as tensors (the caller loads, then disposes it). */
export function optimizerStateOf(checkpoint: Checkpoint): OptimizerState {
  const params: Record<string, ParamState> = {};
  for (const [name, entry] of Object.entries(checkpoint.optimizer.params)) {
    const slot: ParamState = { step: entry.step };
    for (const key of SLOTS) {
      const d = entry[key];
      if (d) slot[key] = fromData(d);
    }
    params[name] = slot;
  }
  return { kind: checkpoint.optimizer.kind, step: checkpoint.optimizer.step, params };
}
