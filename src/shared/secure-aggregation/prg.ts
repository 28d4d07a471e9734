// Expands a 32-byte seed into a vector of uint32 values with AES-256-CTR (WebCrypto): the helper aggregator's
// share of a report is this stream, so a client sends the helper only the seed (sealed) instead of a whole vector.
// The stream is the same on every WebCrypto implementation (browser, worker, Node). Never reuse a seed.
import { webCrypto, type CryptoLike } from './webcrypto.js';

export const SEED_BYTES = 32;

/** `count` uint32 values (little-endian words of the AES-256-CTR keystream of `seed` from counter 0). */
export async function expandSeed(seed: Uint8Array, count: number, c: CryptoLike = webCrypto()): Promise<Uint32Array> {
  if (seed.length !== SEED_BYTES) throw new RangeError(`a seed is ${SEED_BYTES} bytes, got ${seed.length}`);
  const key = await c.subtle.importKey('raw', seed, { name: 'AES-CTR' }, false, ['encrypt']);
  const stream = await c.subtle.encrypt({ name: 'AES-CTR', counter: new Uint8Array(16), length: 64 }, key, new Uint8Array(count * 4));
  const bytes = new Uint8Array(stream);
  const out = new Uint32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}
