// Loads a tfjs backend's code only when that backend is about to be tried: each backend is its own chunk, so
// a device that runs wasm never downloads the WebGPU or WebGL kernels, and the training worker (wasm, cpu)
// shares the wasm chunk with the engine instead of carrying its own copy. Must never import a backend
// statically.
import type { BackendName } from '../src/shared/engine-api.js';

const loaded = new Map<BackendName, Promise<void>>();

/** Imports (once) and registers the backend `name` with tfjs; rejects when its chunk cannot be loaded. */
export function loadBackend(name: BackendName): Promise<void> {
  let p = loaded.get(name);
  if (!p) {
    p = importBackend(name);
    loaded.set(name, p);
    p.catch(() => loaded.delete(name));
  }
  return p;
}

async function importBackend(name: BackendName): Promise<void> {
  switch (name) {
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return;
    case 'webgl':
      await import('@tensorflow/tfjs-backend-webgl');
      return;
    case 'webgpu':
      await import('@tensorflow/tfjs-backend-webgpu');
      return;
    case 'wasm':
      (await import('./backend-wasm.js')).configureWasm();
      return;
  }
}
