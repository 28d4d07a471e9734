// Can the Node trainer use both cores through tfjs-wasm's threads? Times one [2048×256]·[256×12101] product (the
// size of a Beauty full-softmax part) on single-threaded wasm, then tries the threaded build with 2 threads.
// Run: npx tsx scripts/quality/probe-threads.ts [single|threads]   (each mode in its own process: the backend is chosen once)
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

const threads = process.argv[2] === 'threads';
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads);
if (threads) setThreadsCount(2);
const ok = await tf.setBackend('wasm');
await tf.ready();
const a = tf.randomNormal([2048, 256]);
const b = tf.randomNormal([256, 12101]);
for (let i = 0; i < 2; i++) tf.matMul(a, b).dispose();
const t = performance.now();
for (let i = 0; i < 5; i++) {
  const c = tf.matMul(a, b);
  await c.data();
  c.dispose();
}
const ms = (performance.now() - t) / 5;
console.log(`${threads ? 'threaded wasm (2 threads requested)' : 'single-threaded wasm'}: backend ${tf.getBackend()} (wasm ${ok ? 'initialised' : 'failed'}), ${ms.toFixed(0)} ms per product, ${((2 * 2048 * 256 * 12101) / ms / 1e6).toFixed(1)} GFLOP/s`);
