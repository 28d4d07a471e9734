// The part of WebCrypto (https://w3c.github.io/webcrypto/) secure aggregation uses, typed structurally so that
// shared code compiles without the DOM or Node libraries; at run time it is `globalThis.crypto` in the worker,
// the page and Node ≥ 20 alike. Must never fall back to a non-cryptographic source.

/** Key material handle (CryptoKey); opaque here. */
export type Key = object;

export interface SubtleLike {
  importKey(format: 'raw' | 'jwk', data: unknown, algorithm: unknown, extractable: boolean, usages: string[]): Promise<Key>;
  exportKey(format: 'raw' | 'jwk', key: Key): Promise<ArrayBuffer | object>;
  generateKey(algorithm: unknown, extractable: boolean, usages: string[]): Promise<{ publicKey: Key; privateKey: Key }>;
  deriveBits(algorithm: unknown, key: Key, length: number): Promise<ArrayBuffer>;
  deriveKey(algorithm: unknown, base: Key, derived: unknown, extractable: boolean, usages: string[]): Promise<Key>;
  encrypt(algorithm: unknown, key: Key, data: Uint8Array): Promise<ArrayBuffer>;
  decrypt(algorithm: unknown, key: Key, data: Uint8Array): Promise<ArrayBuffer>;
  digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>;
}

export interface CryptoLike {
  readonly subtle: SubtleLike;
  getRandomValues<T extends Uint8Array | Uint32Array>(array: T): T;
}

/**
 * The platform's WebCrypto.
 * @throws Error when there is none (an insecure context in a browser, or a very old runtime).
 */
export function webCrypto(): CryptoLike {
  const c = (globalThis as { crypto?: CryptoLike }).crypto;
  if (!c?.subtle || typeof c.getRandomValues !== 'function') {
    throw new Error('WebCrypto is not available here (secure aggregation needs crypto.subtle: a secure context)');
  }
  return c;
}

/** Uniform [0, 1) doubles with 53 random bits each, from the CSPRNG, drawn in blocks. */
export function cryptoUniform53(c: CryptoLike = webCrypto()): () => number {
  const buf = new Uint32Array(2048);
  let at = buf.length;
  return () => {
    if (at + 2 > buf.length) {
      c.getRandomValues(buf);
      at = 0;
    }
    const hi = buf[at++]! >>> 5; // 27 bits
    const lo = buf[at++]! >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  };
}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** @throws Error when `text` is not base64. */
export function fromBase64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new Error('not base64');
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

declare function btoa(data: string): string;
declare function atob(data: string): string;
