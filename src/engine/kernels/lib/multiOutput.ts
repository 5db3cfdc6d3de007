// A WebGPU dispatch that writes several tensors at once. TF.js's programs (runWebGPUProgram)
// have one output, so an update that yields two tensors (a parameter and its momentum, dγ and
// dβ) would cost a dispatch per output, or a packed output plus a slice per piece. This runs
// one WGSL entry point with N read-write outputs, recorded into TF.js's own command encoder and
// compute pass (same submit batching, same buffer pool, same queue-owned ids), so it
// interleaves with stock kernels like one of theirs. Kernels return its outputs as a
// multi-output kernel's TensorInfo[] (tf.engine().runKernel gives Tensor[]).

import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

export interface MultiOutputSpec {
  /** Identifies the WGSL: every choice that changes `body` must be in it. */
  key: string;
  inputs: Record<string, tf.TensorInfo>;
  outputs: Record<string, { shape: number[]; dtype?: 'float32' | 'int32' }>;
  /** Scalar uniforms, read in WGSL as u.<name>. */
  uniforms: Record<string, { type: 'f32' | 'i32'; value: number }>;
  workgroupSize: number;
  /** Total workgroups (spread over x and y past WebGPU's 65,535 per dimension). */
  workgroups: number;
  /**
   * WGSL defining `fn main(index : i32, local : i32, group : i32)`: index is the flat
   * invocation number, local the invocation within its workgroup, group the workgroup number.
   * May declare var<workgroup> arrays before it.
   */
  body: string;
}

/** The parts of TF.js's WebGPUBackend this needs (all public in its JS, some not in its .d.ts). */
interface BackendInternals {
  device: GPUDevice;
  tensorMap: { get(dataId: object): { resource: unknown; dtype: tf.DataType } };
  commandQueueOwnedIds: WeakSet<object>;
  computePassEncoder: GPUComputePassEncoder | null;
  commandEncoder: GPUCommandEncoder;
  dispatchCountInPass: number;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  uploadToGPU(dataId: object): void;
  makeUniforms(uniforms: { type: string; data: number[] }[]): GPUBufferBinding;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

const MAX_PER_DIMENSION = 65535;
const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();
/**
 * WebGPU reports a bad shader asynchronously, and a dispatch with an invalid pipeline silently
 * does nothing: so each new pipeline is checked in an error scope, and a failure is thrown at
 * that pipeline's next use (and logged at once) rather than leaving its outputs unwritten.
 */
const brokenPipelines = new Map<string, string>();

function compile(device: GPUDevice, key: string, code: string): GPUComputePipeline {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code, label: key });
  const pipeline = device.createComputePipeline({
    layout: 'auto',
    compute: { module, entryPoint: '_start' },
    label: key,
  });
  void device.popErrorScope().then((error) => {
    if (!error) return;
    brokenPipelines.set(key, error.message);
    console.error(`Cardinal kernel ${key} failed to compile: ${error.message}`);
  });
  return pipeline;
}

const wgslType = (dtype: tf.DataType) => (dtype === 'int32' ? 'i32' : 'f32');

function shaderSource(spec: MultiOutputSpec, inputTypes: string[]): string {
  const outs = Object.entries(spec.outputs);
  const ins = Object.keys(spec.inputs);
  const uniforms = Object.entries(spec.uniforms);
  const fields = uniforms.map(([name, u]) => `${name} : ${u.type},`).join(' ');
  return [
    // At least one field: an empty struct is not WGSL.
    `struct Uniforms { dispatchX : i32, ${fields} };`,
    ...outs.map(
      ([name, o], i) =>
        `@group(0) @binding(${i}) var<storage, read_write> ${name} : array<${wgslType(o.dtype ?? 'float32')}>;`,
    ),
    ...ins.map(
      (name, i) =>
        `@group(0) @binding(${outs.length + i}) var<storage, read> ${name} : array<${inputTypes[i]}>;`,
    ),
    `@group(0) @binding(${outs.length + ins.length}) var<uniform> u : Uniforms;`,
    spec.body,
    `@compute @workgroup_size(${spec.workgroupSize})
     fn _start(@builtin(local_invocation_id) lid : vec3<u32>,
               @builtin(workgroup_id) wid : vec3<u32>) {
       let group = i32(wid.y) * u.dispatchX + i32(wid.x);
       main(group * ${spec.workgroupSize} + i32(lid.x), i32(lid.x), group);
     }`,
  ].join('\n');
}

/** Records one dispatch of `spec` on the webgpu backend; returns its outputs, in order. */
export function runMultiOutput(backend: WebGPUBackend, spec: MultiOutputSpec): tf.TensorInfo[] {
  const b = backend as unknown as BackendInternals;
  const inputs = Object.values(spec.inputs);
  inputs.forEach((t) => b.uploadToGPU(t.dataId));
  const outputs = Object.values(spec.outputs).map((o) => {
    const info = b.makeTensorInfo(o.shape, o.dtype ?? 'float32');
    b.uploadToGPU(info.dataId);
    return info;
  });
  const inputTypes = inputs.map((t) => wgslType(b.tensorMap.get(t.dataId).dtype));
  const key = `${spec.key}|${inputTypes.join(',')}|${spec.workgroupSize}`;
  let cache = pipelines.get(b.device);
  if (!cache) pipelines.set(b.device, (cache = new Map()));
  const broken = brokenPipelines.get(key);
  if (broken) throw new Error(`Cardinal kernel ${spec.key} does not compile: ${broken}`);
  let pipeline = cache.get(key);
  if (!pipeline) {
    pipeline = compile(b.device, key, shaderSource(spec, inputTypes));
    cache.set(key, pipeline);
  }
  const x = Math.min(spec.workgroups, MAX_PER_DIMENSION);
  const y = Math.ceil(spec.workgroups / x);
  const uniforms = b.makeUniforms([
    { type: 'int32', data: [x] },
    ...Object.values(spec.uniforms).map((u) => ({
      type: u.type === 'i32' ? 'int32' : 'float32',
      data: [u.value],
    })),
  ]);
  const buffer = (t: tf.TensorInfo) => ({
    buffer: b.tensorMap.get(t.dataId).resource as GPUBuffer,
  });
  const entries = [...outputs.map(buffer), ...inputs.map(buffer), uniforms].map((resource, i) => ({
    binding: i,
    resource,
  }));
  [...inputs, ...outputs].forEach((t) => b.commandQueueOwnedIds.add(t.dataId));
  const bindGroup = b.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  b.ensureCommandEncoderReady();
  b.computePassEncoder ??= b.commandEncoder.beginComputePass({});
  b.computePassEncoder.setPipeline(pipeline);
  b.computePassEncoder.setBindGroup(0, bindGroup);
  b.computePassEncoder.dispatchWorkgroups(x, y, 1);
  b.dispatchCountInPass++;
  if (tf.env().getNumber('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') <= b.dispatchCountInPass) {
    b.endComputePassEncoder();
    b.submitQueue();
  }
  return outputs;
}

/** Workgroups to cover `size` invocations, `workgroupSize` each. */
export const workgroupsFor = (size: number, workgroupSize: number) =>
  Math.max(1, Math.ceil(size / workgroupSize));
