// Chooses the tfjs backend: tries the configured order (webgpu → webgl → wasm → cpu by default), skips
// software GPU adapters unless allowed (on a machine without a GPU they are 10–50× slower than wasm), checks
// each candidate with a real kernel, and reports the one in use and why the others were skipped.
// Must never leave tfjs on a backend that failed its check. A backend's code is fetched only once its precheck
// passes (backend-modules.ts): a software GPU adapter that is skipped costs no download.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../src/shared/engine-api.js';
import { ShelfError } from '../src/shared/errors.js';
import { loadBackend } from './backend-modules.js';

export interface BackendChoice {
  backend: BackendName;
  skipped: { backend: BackendName; reason: string }[];
  /** Why this one: adapter kind and measured warm-up. */
  reason: string;
}

interface GpuAdapterLike {
  info?: { isFallbackAdapter?: boolean; architecture?: string; description?: string };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

/** What the last precheck learnt about the GPU (for the status line). */
let adapterKind = '';

/** Why a backend cannot be used here, or null when it may be tried. */
async function precheck(name: BackendName, allowSoftwareGpu: boolean): Promise<string | null> {
  adapterKind = '';
  if (name === 'webgpu') {
    const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
    if (!gpu) return 'navigator.gpu is missing';
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'no WebGPU adapter';
    const software = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
    adapterKind = `${software ? 'software' : 'hardware'} adapter (${adapter.info?.architecture || adapter.info?.description || 'unknown'})`;
    if (software && !allowSoftwareGpu) return `software adapter (${adapter.info?.architecture ?? 'fallback'}), slower than wasm`;
    return null;
  }
  if (name === 'webgl') {
    if (typeof OffscreenCanvas === 'undefined') return 'OffscreenCanvas is missing';
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return 'no WebGL2 context';
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    const software = /swiftshader|llvmpipe|software/i.test(renderer);
    adapterKind = `${software ? 'software' : 'hardware'} renderer (${renderer})`;
    if (software && !allowSoftwareGpu) return `software renderer (${renderer}), slower than wasm`;
    return null;
  }
  if (name === 'wasm' && typeof WebAssembly === 'undefined') return 'WebAssembly is missing';
  return null;
}

/** Runs a real kernel and reads it back, so a backend that registers but cannot compute is rejected. */
async function smokeTest(): Promise<void> {
  const y = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])));
  const values = await y.data();
  y.dispose();
  if (values[0] !== 3) throw new Error(`kernel check returned ${values[0]}`);
}

/** Median time of a re-rank-shaped product (100 candidates × 32) after one untimed run (shader compile). */
async function warmUp(): Promise<number> {
  const a = tf.randomNormal([100, 32]);
  const b = tf.randomNormal([32, 1]);
  const times: number[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      const y = tf.matMul(a, b);
      await y.data();
      y.dispose();
      if (i > 0) times.push(performance.now() - t0);
    }
  } finally {
    a.dispose();
    b.dispose();
  }
  return times.sort((x, y) => x - y)[1]!;
}

async function tryBackend(name: BackendName, allowSoftwareGpu: boolean): Promise<string | null> {
  const reason = await precheck(name, allowSoftwareGpu);
  if (reason) return reason;
  await loadBackend(name);
  if (!(await tf.setBackend(name))) return 'failed to initialise';
  await tf.ready();
  await smokeTest();
  return null;
}

/**
 * Selects the first working backend of `order`. A GPU backend must also win a quick measured warm-up against
 * wasm (when wasm comes later in the order): a GPU slower than wasm for re-rank-sized work is not used.
 * @throws ShelfError `backend_unavailable` when none works.
 */
export async function chooseBackend(order: readonly BackendName[], allowSoftwareGpu: boolean): Promise<BackendChoice> {
  const skipped: BackendChoice['skipped'] = [];
  for (const name of order) {
    try {
      const failed = await tryBackend(name, allowSoftwareGpu);
      if (failed) {
        skipped.push({ backend: name, reason: failed });
        continue;
      }
      const kind = adapterKind;
      const ms = await warmUp();
      const gpu = name === 'webgpu' || name === 'webgl';
      if (gpu && order.indexOf('wasm') > order.indexOf(name) && !/^software/.test(kind)) {
        // A hardware GPU: still only if it beats wasm on this device.
        const wasmFailed = await tryBackend('wasm', false).catch((e: unknown) => String(e));
        if (!wasmFailed) {
          const wasmMs = await warmUp();
          if (wasmMs * 1.5 < ms) {
            skipped.push({ backend: name, reason: `${kind}: warm-up ${ms.toFixed(2)} ms vs wasm ${wasmMs.toFixed(2)} ms` });
            return { backend: 'wasm', skipped, reason: `faster than ${name} in the warm-up (${wasmMs.toFixed(2)} vs ${ms.toFixed(2)} ms)` };
          }
          await tf.setBackend(name);
          await tf.ready();
        }
        return { backend: name, skipped, reason: `${kind}; warm-up ${ms.toFixed(2)} ms${wasmFailed ? '' : ', not slower than wasm'}` };
      }
      const why = gpu
        ? `${kind}, allowed by allowSoftwareGpu`
        : skipped.length
          ? `first working backend after ${skipped.map((s) => s.backend).join(', ')}`
          : 'first backend in the configured order';
      return { backend: name, skipped, reason: `${why}; warm-up ${ms.toFixed(2)} ms` };
    } catch (err) {
      skipped.push({ backend: name, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  throw new ShelfError('backend_unavailable', `no tfjs backend works here: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}

/** Backends after `current` in `order`, for moving on when the current one fails mid-session. */
export function backendsAfter(order: readonly BackendName[], current: BackendName): BackendName[] {
  const i = order.indexOf(current);
  return i < 0 ? [] : order.slice(i + 1);
}

/** Calls `onLost` once if the WebGPU device behind the current backend is lost (driver reset, GPU removed). */
export function watchDeviceLoss(onLost: (why: string) => void): void {
  if (tf.getBackend() !== 'webgpu') return;
  const device = (tf.backend() as unknown as { device?: { lost?: Promise<{ message?: string; reason?: string }> } }).device;
  void device?.lost?.then((info) => onLost(`WebGPU device lost (${info?.reason ?? 'unknown'}${info?.message ? `: ${info.message}` : ''})`));
}

/** Test hook: destroys the current WebGPU device, as a driver reset would. */
export function loseDeviceForTest(): boolean {
  const device = (tf.backend() as unknown as { device?: { destroy?: () => void } }).device;
  if (tf.getBackend() !== 'webgpu' || !device?.destroy) return false;
  device.destroy();
  return true;
}

/** Test hook: removes a kernel from the current backend, as a backend build lacking it would. */
export function dropKernelForTest(kernel: string): boolean {
  const backend = tf.getBackend();
  if (!tf.getKernel(kernel, backend)) return false;
  tf.unregisterKernel(kernel, backend);
  return true;
}

/** Live tensors on the current backend. */
export function liveTensors(): number {
  return tf.memory().numTensors;
}
