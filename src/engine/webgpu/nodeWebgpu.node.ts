// WebGPU in Node, for kernel tests and the bench: dawn.node (the npm package `webgpu`) gives
// TF.js's WebGPU backend a real adapter outside the browser. Node-only: the app never imports
// this file (the browser has its own navigator.gpu).
//
// On a GPU machine Dawn finds the vendor's Vulkan driver. On a machine without one (this
// project's dev boxes and CI) it finds nothing usable (Mesa's lavapipe is refused by Dawn), so
// we point the Vulkan loader at the SwiftShader driver Debian's Chromium ships, the same
// software adapter Chromium itself uses. The loader reads VK_ICD_FILENAMES at each instance
// creation, so setting it after a first failed try works within one process.

/** Debian's chromium package installs SwiftShader's Vulkan ICD here (DESIGN.md). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export type NodeWebgpu =
  { available: true; adapter: string; software: boolean } | { available: false; reason: string };

let installed: Promise<NodeWebgpu> | null = null;

/**
 * Makes `navigator.gpu` (and the GPU* classes: GPUComputePassEncoder, GPUBufferUsage, …) exist
 * in this Node process. Call it before '@tensorflow/tfjs-backend-webgpu' is imported: the
 * backend registers its factory only where navigator.gpu exists at import time. Idempotent.
 */
export function installNodeWebgpu(): Promise<NodeWebgpu> {
  installed ??= install();
  return installed;
}

async function install(): Promise<NodeWebgpu> {
  const { existsSync } = await import('node:fs');
  let dawn: typeof import('webgpu');
  try {
    dawn = await import('webgpu');
  } catch (error) {
    return {
      available: false,
      reason: `the npm package 'webgpu' (dawn.node) did not load: ${String(error)}`,
    };
  }
  let gpu = dawn.create([]);
  let adapter = await gpu.requestAdapter();
  if (!adapter && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    gpu = dawn.create([]);
    adapter = await gpu.requestAdapter();
  }
  if (!adapter) {
    const hint = existsSync(SWIFTSHADER_ICD)
      ? 'is libvulkan1 installed (apt-get install libvulkan1)?'
      : `no GPU driver, and no SwiftShader at ${SWIFTSHADER_ICD} (apt-get install chromium libvulkan1)`;
    return { available: false, reason: `dawn.node found no WebGPU adapter: ${hint}` };
  }
  Object.assign(globalThis, dawn.globals);
  // Node 21+ defines a read-only navigator; define the property rather than assign it.
  const navigator = { ...(globalThis.navigator ?? {}), gpu } as Navigator;
  Object.defineProperty(globalThis, 'navigator', { value: navigator, configurable: true });
  const info = adapter.info;
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ');
  const software = /swiftshader|llvmpipe|lavapipe/i.test(name) || Boolean(info.isFallbackAdapter);
  return { available: true, adapter: name || 'unnamed adapter', software };
}
