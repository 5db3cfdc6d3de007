// Picks and initialises the TF.js backend, in a page, a worker or Node. The backend packages are
// imported here (for their side effect: registering 'webgpu' and 'wasm' with the engine), the
// wasm training kernels are registered (wasmKernels.ts), and 'auto' walks BACKEND_ORDER,
// keeping one line per backend that was passed over so the UI can say why it got what it got.

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
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
}

export interface BackendInit {
  backend: BackendName;
  /** The adapter or renderer the probe found (backends.ts), in words. */
  adapter: string;
  /** Why this backend: what was asked for and, for 'auto', why each earlier one was skipped. */
  why: string;
}

/** No backend of the ones asked for could start here; the message says why for each. */
export class BackendUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

let wasmPathsSet = false;

function configureWasm(options: BackendOptions): void {
  if (options.wasmPaths !== undefined && !wasmPathsSet) {
    // setWasmPaths must run before the first setBackend('wasm') (DESIGN.md, WASM gotcha 3).
    setWasmPaths(options.wasmPaths);
    wasmPathsSet = true;
  }
  // Threaded WASM hangs setBackend in a minified build and gave no speed-up on 2 cores
  // (DESIGN.md, WASM gotcha 2). The flag is read when the backend initialises.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  registerWasmTrainingKernels();
}

/** Tries one backend; returns null on success or the reason it is unusable here. */
async function tryBackend(name: BackendName, probe: BackendProbe): Promise<string | null> {
  if (!probe.available) return probe.detail;
  // tfjs-backend-webgl and -webgpu register a factory only where they can run: in Node
  // there is none, and setBackend would throw "not found in registry".
  if (!tf.findBackendFactory(name)) return `the ${name} backend is not registered here`;
  try {
    // setBackend reports a failed initialisation as false (and logs the error to the console).
    if (await tf.setBackend(name)) return null;
    return `tf.setBackend('${name}') failed to initialise (see the console)`;
  } catch (error) {
    return `tf.setBackend('${name}') threw: ${String(error)}`;
  }
}

function adapterOf(probe: BackendProbe): string {
  // The probe reports threads where the page is cross-origin isolated; we turn them off.
  return probe.name === 'wasm'
    ? probe.detail.replace(/ \+ threads|, single thread/, '') + ', single thread'
    : probe.detail;
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
    if (failure === null) {
      const why =
        choice === 'auto'
          ? [...skipped, `${name}: picked (first that initialised)`].join('; ')
          : `${name}: asked for`;
      return { backend: name, adapter: adapterOf(probe), why };
    }
    skipped.push(`${name}: ${failure}`);
  }
  throw new BackendUnavailableError(
    `no usable TF.js backend for "${choice}": ${skipped.join('; ')}`,
  );
}
