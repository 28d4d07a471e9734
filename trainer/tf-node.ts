// Sets up tfjs in Node for the trainer, benchmarks and tests: the wasm backend (SIMD) by default, which is
// the fastest that installs here (tfjs-node cannot). Import this before any model code runs.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export type NodeBackend = 'wasm' | 'cpu';

/** Selects a backend and returns the one in use. */
export async function useNodeBackend(backend: NodeBackend = 'wasm'): Promise<string> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} is not available in Node`);
  await tf.ready();
  return tf.getBackend();
}

export { tf };
