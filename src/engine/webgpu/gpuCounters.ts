// Exact counts of what a piece of WebGPU work costs the GPU queue: compute dispatches, host →
// device uploads, device → host readbacks and buffers created. Time on a software adapter says
// little about a real GPU; these counts are the same on both, and a small net's training step
// on a real GPU is bound by the number of dispatches (DESIGN.md).
//
// Works wherever the GPU* classes are globals: the browser, and Node after installNodeWebgpu().
// It wraps the prototypes' methods once; counting is cheap enough to leave installed.

export interface GpuCounts {
  /** GPUComputePassEncoder.dispatchWorkgroups (+ dispatchWorkgroupsIndirect) calls. */
  dispatches: number;
  /**
   * Host → device copies of data: writeBuffer/writeTexture into non-uniform buffers, and
   * buffers the host wrote through a mapping (how TF.js uploads a tensor), counted at unmap.
   */
  uploads: number;
  /** Small host → device writes of a dispatch's uniforms (its shapes, scalars). */
  uniformWrites: number;
  /** Device → host copies: GPUBuffer.mapAsync calls in READ mode. */
  readbacks: number;
  /** GPUDevice.createBuffer calls. */
  buffersCreated: number;
  /** Buffers created and not yet destroyed. */
  liveBuffers: number;
}

const counts: GpuCounts = {
  dispatches: 0,
  uploads: 0,
  uniformWrites: 0,
  readbacks: 0,
  buffersCreated: 0,
  liveBuffers: 0,
};
// GPUBufferUsage flags, by value: the GPU* globals may be absent when this module loads.
const UNIFORM = 0x0040;
const MAP_READ_MODE = 0x0001; // GPUMapMode.READ
const MAP_WRITE_MODE = 0x0002; // GPUMapMode.WRITE
/** Each live buffer's usage, to tell uniform writes from data uploads. */
const usageOf = new WeakMap<object, number>();
/** Buffers mapped for the host to write into: their unmap() is an upload. */
const mappedForWrite = new WeakSet<object>();
let wrapped = false;

type Method = (this: unknown, ...args: never[]) => unknown;

/** Replaces proto[name] with a version that tells `seen` its arguments and result. */
function wrap(
  proto: object | undefined,
  name: string,
  seen: (self: unknown, args: unknown[], result: unknown) => void,
): void {
  if (!proto) return;
  const original = (proto as Record<string, Method | undefined>)[name];
  if (typeof original !== 'function') return;
  (proto as Record<string, Method>)[name] = function (this: unknown, ...args: never[]) {
    const result = original.apply(this, args);
    seen(this, args, result);
    return result;
  };
}

function prototypeOf(className: string): object | undefined {
  const cls = (globalThis as Record<string, unknown>)[className] as
    { prototype?: object } | undefined;
  return cls?.prototype;
}

/** Installs the counters (once). Returns false where WebGPU's classes are not present. */
export function installGpuCounters(): boolean {
  if (wrapped) return true;
  const pass = prototypeOf('GPUComputePassEncoder');
  const device = prototypeOf('GPUDevice');
  if (!pass || !device) return false;
  wrapped = true;
  const dispatch = () => void counts.dispatches++;
  wrap(pass, 'dispatchWorkgroups', dispatch);
  wrap(pass, 'dispatchWorkgroupsIndirect', dispatch);
  wrap(prototypeOf('GPUQueue'), 'writeBuffer', (_self, args) => {
    if (((usageOf.get(args[0] as object) ?? 0) & UNIFORM) !== 0) counts.uniformWrites++;
    else counts.uploads++;
  });
  wrap(prototypeOf('GPUQueue'), 'writeTexture', () => void counts.uploads++);
  wrap(device, 'createBuffer', (_self, args, buffer) => {
    const descriptor = args[0] as GPUBufferDescriptor;
    usageOf.set(buffer as object, descriptor.usage);
    counts.buffersCreated++;
    counts.liveBuffers++;
    // TF.js writes a new tensor straight into a buffer mapped at creation, and an old one
    // through a MAP_WRITE staging buffer; either way the upload happens at unmap().
    if (descriptor.mappedAtCreation) mappedForWrite.add(buffer as object);
  });
  wrap(prototypeOf('GPUBuffer'), 'mapAsync', (self, args) => {
    if (((args[0] as number) & MAP_READ_MODE) !== 0) counts.readbacks++;
    if (((args[0] as number) & MAP_WRITE_MODE) !== 0) mappedForWrite.add(self as object);
  });
  wrap(prototypeOf('GPUBuffer'), 'unmap', (self) => {
    if (mappedForWrite.delete(self as object)) counts.uploads++;
  });
  wrap(prototypeOf('GPUBuffer'), 'destroy', (self) => {
    // destroy() may be called twice on one buffer; count it gone once.
    if (usageOf.delete(self as object)) counts.liveBuffers--;
  });
  return true;
}

/** The counts so far (a copy). */
export function gpuCounts(): GpuCounts {
  return { ...counts };
}

/** What `work` added to each count. Counters must be installed (installGpuCounters). */
export async function countGpuWork<T>(
  work: () => Promise<T> | T,
): Promise<{ result: T; counts: GpuCounts }> {
  const before = gpuCounts();
  const result = await work();
  const after = gpuCounts();
  const delta = Object.fromEntries(
    Object.keys(after).map((key) => [
      key,
      after[key as keyof GpuCounts] - before[key as keyof GpuCounts],
    ]),
  ) as unknown as GpuCounts;
  return { result, counts: delta };
}
