// Picks and initialises the TF.js backend, in a page, a worker or Node. The backend packages are
// imported here (for their side effect: registering 'webgpu' and 'wasm' with the engine), the
// wasm training kernels are registered (wasmKernels.ts), and 'auto' walks BACKEND_ORDER,
// keeping one line per backend that was passed over so the UI can say why it got what it got.

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  setWasmKernelThreads,
  startWasmHelpers,
  wasmKernelThreads,
} from './kernels/lib/wasmThreads';
import {
  BACKEND_ORDER,
  isSoftwareGpu,
  probeBackends,
  softwareGpuSkipped,
  type BackendName,
  type BackendProbe,
} from './backends';

export { isSoftwareGpu };
import { registerWasmTrainingKernels } from './wasmKernels';

export type BackendChoice = 'auto' | BackendName;

export interface BackendOptions {
  /**
   * Where the .wasm binaries are served: a directory/URL prefix ending in '/', or a map from
   * file name to URL (setWasmPaths' two forms). In Node a plain file path to
   * node_modules/@tensorflow/tfjs-backend-wasm/dist/ works. Only the first call that gives it
   * counts: TF.js reads it when the wasm backend first initialises.
   */
  wasmPaths?: Parameters<typeof setWasmPaths>[0];
  /**
   * WASM threads: 1 for single-threaded, by default every core the machine reports (TF.js's
   * own default is at most 4, half the cores). Threads need cross-origin isolation (the app
   * serves COOP/COEP) and a browser; in Node the backend stays single-threaded. Read once, when
   * the wasm backend first initialises.
   */
  threads?: number;
}

export interface BackendInit {
  backend: BackendName;
  /** The adapter or renderer the probe found (backends.ts), in words. */
  adapter: string;
  /** Why this backend: what was asked for and, for 'auto', why each earlier one was skipped. */
  why: string;
  /** WASM only: the threads its module runs (1 without cross-origin isolation or in Node). */
  threads?: number;
}

/** No backend of the ones asked for could start here; the message says why for each. */
export class BackendUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

let wasmPathsSet = false;
let wasmThreadsSet = false;

const inNode = Boolean(
  (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node,
);

/** Threads to ask TF.js for (0: none asked, single-threaded). */
let wasmThreads = 0;

function configureWasm(options: BackendOptions): void {
  if (options.wasmPaths !== undefined && !wasmPathsSet) {
    // setWasmPaths must run before the first setBackend('wasm') (DESIGN.md, WASM gotcha 3).
    setWasmPaths(options.wasmPaths);
    wasmPathsSet = true;
  }
  if (inNode || options.threads === 1) {
    // In Node TF.js would start its pthreads from a blob: URL, which worker_threads cannot load.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  } else if (!wasmThreadsSet) {
    const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
    wasmThreads = Math.max(1, options.threads ?? cores);
    setThreadsCount(wasmThreads);
    // Our conv and batch-norm programs split their work over as many (kernels/lib/wasmThreads.ts).
    setWasmKernelThreads(wasmThreads);
    wasmThreadsSet = true;
  }
  registerWasmTrainingKernels();
}

/**
 * TF.js's WASM module caps its thread pool at navigator.hardwareConcurrency / 2 (and 8),
 * assuming two hardware threads per core, whatever setThreadsCount asks: 1 thread on a 2-core
 * machine. Its C++ reads the count once, while the module initialises; so for that moment the
 * navigator reports twice the threads we want, and the real figure again afterwards.
 */
async function withWasmCoreCount<T>(start: () => Promise<T>): Promise<T> {
  const nav = globalThis.navigator as Navigator | undefined;
  if (!nav || wasmThreads <= 1 || wasmThreads * 2 <= nav.hardwareConcurrency) return start();
  Object.defineProperty(nav, 'hardwareConcurrency', { value: wasmThreads * 2, configurable: true });
  try {
    return await start();
  } finally {
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

/** Tries one backend; returns null on success or the reason it is unusable here. */
async function tryBackend(name: BackendName, probe: BackendProbe): Promise<string | null> {
  if (!probe.available) return probe.detail;
  // tfjs-backend-webgl and -webgpu register a factory only where they can run: in Node
  // there is none, and setBackend would throw "not found in registry".
  if (!tf.findBackendFactory(name)) return `the ${name} backend is not registered here`;
  try {
    // setBackend reports a failed initialisation as false (and logs the error to the console).
    const ready =
      name === 'wasm' ? withWasmCoreCount(() => tf.setBackend(name)) : tf.setBackend(name);
    if (await ready) return null;
    return `tf.setBackend('${name}') failed to initialise (see the console)`;
  } catch (error) {
    return `tf.setBackend('${name}') threw: ${String(error)}`;
  }
}

/** The adapter line; for WASM with the threads its module really runs, and why only one. */
function adapterOf(probe: BackendProbe): { adapter: string; threads?: number } {
  if (probe.name !== 'wasm') return { adapter: probe.detail };
  const threads = getThreadsCount();
  const base = probe.detail.replace(/ \+ threads|, single thread/, '');
  const single = inNode
    ? 'single thread (Node)'
    : globalThis.crossOriginIsolated
      ? 'single thread'
      : 'single thread (not cross-origin isolated: no COOP/COEP headers)';
  if (threads === 1) return { adapter: `${base}, ${single}`, threads };
  // Our conv and batch-norm programs run on their own helpers (kernels/lib/wasmThreads.ts).
  const ours = wasmKernelThreads();
  const note = ours.threads > 1 ? '' : ` (Cardinal's kernels on one: ${ours.why})`;
  return { adapter: `${base}, ${threads} threads${note}`, threads };
}

/**
 * Initialises the asked-for backend, or for 'auto' the first of webgpu → webgl → wasm → cpu
 * that works. Throws when an explicitly asked-for backend cannot start (the caller decides
 * whether to fall back), with the reason in the message.
 */
export async function initBackend(
  choice: BackendChoice,
  options: BackendOptions = {},
): Promise<BackendInit> {
  configureWasm(options);
  const probes = new Map((await probeBackends()).map((p) => [p.name, p]));
  const candidates = choice === 'auto' ? BACKEND_ORDER : [choice];
  const skipped: string[] = [];
  for (const name of candidates) {
    const probe = probes.get(name) as BackendProbe;
    if (choice === 'auto' && isSoftwareGpu(probe)) {
      // Measured here: ResNet-20 trains ~10× faster on WASM than on SwiftShader's WebGPU or
      // WebGL; a user who wants the software GPU can still pick it by name.
      skipped.push(softwareGpuSkipped(probe));
      continue;
    }
    const failure = await tryBackend(name, probe);
    // Our programs' helper threads start now: a Worker only starts once its creator's event loop
    // runs, so they could not be started while a kernel blocks on them.
    if (failure === null && name === 'wasm') await startWasmHelpers(tf.backend());
    if (failure === null) {
      const why =
        choice === 'auto'
          ? [...skipped, `${name}: picked (first that initialised)`].join('; ')
          : `${name}: asked for`;
      return { backend: name, ...adapterOf(probe), why };
    }
    skipped.push(`${name}: ${failure}`);
  }
  throw new BackendUnavailableError(
    `no usable TF.js backend for "${choice}": ${skipped.join('; ')}`,
  );
}
