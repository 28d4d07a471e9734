// The wasm backend and where its files are: loaded only when wasm is tried (backend-modules.ts), so the
// backend's code and the URL of its one `.wasm` file live in their own chunk, shared by the engine and the
// training worker. Threads stay off: they need cross-origin isolation and crash under minification.
// Must never be imported statically by the engine: that would put it in the first download for every backend.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** Points the wasm backend at its files (absolute, so a chunk in any folder finds them) and turns threads off. */
export function configureWasm(): void {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const abs = (u: string) => new URL(u, import.meta.url).href;
  setWasmPaths({
    'tfjs-backend-wasm.wasm': abs(wasmPlain),
    'tfjs-backend-wasm-simd.wasm': abs(wasmSimd),
    'tfjs-backend-wasm-threaded-simd.wasm': abs(wasmThreaded),
  });
}
