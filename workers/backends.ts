// Chooses the tfjs backend: tries the configured order (webgpu → webgl → wasm → cpu by default), skips
// software GPU adapters unless allowed (on a machine without a GPU they are 10–50× slower than wasm), checks
// each candidate with a real kernel, and reports the one in use and why the others were skipped.
// Must never leave tfjs on a backend that failed its check.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendName } from '../src/shared/engine-api.js';
import { ShelfError } from '../src/shared/errors.js';

export interface BackendChoice {
  backend: BackendName;
  skipped: { backend: BackendName; reason: string }[];
}

interface GpuAdapterLike {
  info?: { isFallbackAdapter?: boolean; architecture?: string; description?: string };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

/** Why a backend cannot be used here, or null when it may be tried. */
async function precheck(name: BackendName, allowSoftwareGpu: boolean): Promise<string | null> {
  if (name === 'webgpu') {
    const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
    if (!gpu) return 'navigator.gpu is missing';
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'no WebGPU adapter';
    const software = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
    if (software && !allowSoftwareGpu) return `software adapter (${adapter.info?.architecture ?? 'fallback'})`;
    return null;
  }
  if (name === 'webgl') {
    if (typeof OffscreenCanvas === 'undefined') return 'OffscreenCanvas is missing';
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return 'no WebGL2 context';
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    if (/swiftshader|llvmpipe|software/i.test(renderer) && !allowSoftwareGpu) return `software renderer (${renderer})`;
    return null;
  }
  if (name === 'wasm') {
    if (typeof WebAssembly === 'undefined') return 'WebAssembly is missing';
    // Threads need cross-origin isolation and crash under minification; one thread is as fast on small models.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
    });
  }
  return null;
}

/** Runs a real kernel and reads it back, so a backend that registers but cannot compute is rejected. */
async function smokeTest(): Promise<void> {
  const y = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])));
  const values = await y.data();
  y.dispose();
  if (values[0] !== 3) throw new Error(`kernel check returned ${values[0]}`);
}

/**
 * Selects the first working backend of `order`.
 * @throws ShelfError `backend_unavailable` when none works.
 */
export async function chooseBackend(order: readonly BackendName[], allowSoftwareGpu: boolean): Promise<BackendChoice> {
  const skipped: BackendChoice['skipped'] = [];
  for (const name of order) {
    try {
      const reason = await precheck(name, allowSoftwareGpu);
      if (reason) {
        skipped.push({ backend: name, reason });
        continue;
      }
      if (!(await tf.setBackend(name))) {
        skipped.push({ backend: name, reason: 'failed to initialise' });
        continue;
      }
      await tf.ready();
      await smokeTest();
      return { backend: name, skipped };
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
