// Which TF.js backends this browser (or worker) can offer, and on what hardware, found
// without loading TF.js: the page shows it at once, and the worker uses the same probe to
// explain why `auto` picked what it picked. Order is the order `auto` tries them in.

export const BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

export interface BackendProbe {
  name: BackendName;
  available: boolean;
  /** The adapter or renderer when available, the reason when not. */
  detail: string;
  /** WebGPU only: a software fallback adapter (SwiftShader) — slow, but real WebGPU. */
  fallbackAdapter?: boolean;
}

async function probeWebGpu(): Promise<BackendProbe> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { name: 'webgpu', available: false, detail: 'navigator.gpu is missing' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { name: 'webgpu', available: false, detail: 'no WebGPU adapter found' };
    const info = adapter.info;
    // isFallbackAdapter moved from the adapter to its info in newer spec drafts.
    const fallback = Boolean(
      (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
      (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter,
    );
    const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ');
    return {
      name: 'webgpu',
      available: true,
      detail: (name || 'unnamed adapter') + (fallback ? ' (software fallback)' : ''),
      fallbackAdapter: fallback,
    };
  } catch (error) {
    return { name: 'webgpu', available: false, detail: `requestAdapter failed: ${String(error)}` };
  }
}

function probeWebGl(): BackendProbe {
  if (typeof OffscreenCanvas === 'undefined') {
    return { name: 'webgl', available: false, detail: 'OffscreenCanvas is missing' };
  }
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
  if (!gl) return { name: 'webgl', available: false, detail: 'WebGL2 is unavailable' };
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = debug
    ? gl.getParameter(debug.UNMASKED_RENDERER_WEBGL)
    : gl.getParameter(gl.RENDERER);
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { name: 'webgl', available: true, detail: `WebGL2: ${String(renderer)}` };
}

function probeWasm(): BackendProbe {
  if (typeof WebAssembly !== 'object') {
    return { name: 'wasm', available: false, detail: 'WebAssembly is unavailable' };
  }
  // The smallest module using a v128 instruction: validates only where WASM SIMD exists.
  const simd = WebAssembly.validate(
    new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253,
      15, 253, 98, 11,
    ]),
  );
  const threads = typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated;
  return {
    name: 'wasm',
    available: true,
    detail: `WebAssembly${simd ? ' + SIMD' : ''}${threads ? ' + threads' : ', single thread'}`,
  };
}

export async function probeBackends(): Promise<BackendProbe[]> {
  return [
    await probeWebGpu(),
    probeWebGl(),
    probeWasm(),
    { name: 'cpu', available: true, detail: 'plain JavaScript (slowest)' },
  ];
}

/** WebGPU's fallback adapter or a SwiftShader renderer: a GPU API emulated on the CPU. */
export function isSoftwareGpu(probe: BackendProbe): boolean {
  if (probe.name !== 'webgpu' && probe.name !== 'webgl') return false;
  return Boolean(probe.fallbackAdapter) || /swiftshader|llvmpipe|software/i.test(probe.detail);
}

/** Why `auto` passes over a software GPU (initBackend's words, and the page's). */
export const softwareGpuSkipped = (probe: BackendProbe) =>
  `${probe.name}: a software adapter (${probe.detail}), slower than WASM`;

/**
 * What `auto` will pick from these probes, and why it passes over the ones before: the page's
 * forecast of initBackend's choice (which also skips a backend that fails to initialise; only
 * the worker can find that out).
 */
export function autoForecast(probes: readonly BackendProbe[]): {
  backend: BackendName | null;
  skipped: string[];
} {
  const skipped: string[] = [];
  for (const name of BACKEND_ORDER) {
    const probe = probes.find((p) => p.name === name);
    if (!probe) continue;
    if (!probe.available) skipped.push(`${name}: ${probe.detail}`);
    else if (isSoftwareGpu(probe)) skipped.push(softwareGpuSkipped(probe));
    else return { backend: name, skipped };
  }
  return { backend: null, skipped };
}
