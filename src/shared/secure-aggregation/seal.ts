// Seals a report's seed so that only the helper aggregator can open it: ECDH on P-256 between a fresh ephemeral
// key and the helper's public key, HKDF-SHA256 over the shared secret (salt: both public keys; info: the report's
// context), AES-256-GCM with the context as associated data — the HPKE pattern built from WebCrypto's own
// primitives. The context binds a sealed seed to one model, round and ticket, so the leader cannot move it into
// another batch without the helper noticing. Never logs or returns key material.
import { webCrypto, type CryptoLike, type Key } from './webcrypto.js';

/** Uncompressed P-256 public key: 0x04 ‖ X ‖ Y. */
export const PUBLIC_KEY_BYTES = 65;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const INFO = 'shelf secure aggregation v1 seed';

/** Bytes of a sealed `plain` of `plainBytes`: ephemeral public key, IV, ciphertext and tag. */
export const sealedBytes = (plainBytes: number) => PUBLIC_KEY_BYTES + IV_BYTES + plainBytes + TAG_BYTES;


/** The associated data of a report: what the sealed seed may be used for. */
export function reportContext(model: string, round: number, reportId: string): Uint8Array {
  const text = `${INFO}\n${model}\n${round}\n${reportId}`;
  if (!/^[\x0a\x20-\x7e]*$/.test(text)) throw new RangeError('a report context is printable ASCII');
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
}

async function aeadKey(c: CryptoLike, privateKey: Key, peer: Uint8Array, ephemeralPub: Uint8Array, helperPub: Uint8Array, context: Uint8Array): Promise<Key> {
  const peerKey = await c.subtle.importKey('raw', peer, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const shared = new Uint8Array(await c.subtle.deriveBits({ name: 'ECDH', public: peerKey }, privateKey, 256));
  const ikm = await c.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  const salt = new Uint8Array(ephemeralPub.length + helperPub.length);
  salt.set(ephemeralPub, 0);
  salt.set(helperPub, ephemeralPub.length);
  return c.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt, info: context }, ikm, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/** Seals `plain` to the helper's public key (raw, uncompressed P-256) for `context`. */
export async function seal(plain: Uint8Array, helperPublicKey: Uint8Array, context: Uint8Array, c: CryptoLike = webCrypto()): Promise<Uint8Array> {
  if (helperPublicKey.length !== PUBLIC_KEY_BYTES || helperPublicKey[0] !== 4) throw new RangeError('the helper key is not an uncompressed P-256 public key');
  const eph = await c.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const ephPub = new Uint8Array((await c.subtle.exportKey('raw', eph.publicKey)) as ArrayBuffer);
  const key = await aeadKey(c, eph.privateKey, helperPublicKey, ephPub, helperPublicKey, context);
  const iv = c.getRandomValues(new Uint8Array(IV_BYTES));
  const ct = new Uint8Array(await c.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: context }, key, plain));
  const out = new Uint8Array(PUBLIC_KEY_BYTES + IV_BYTES + ct.length);
  out.set(ephPub, 0);
  out.set(iv, PUBLIC_KEY_BYTES);
  out.set(ct, PUBLIC_KEY_BYTES + IV_BYTES);
  return out;
}

/**
 * Opens a sealed box with the helper's private key.
 * @throws Error when the box is malformed, was sealed to another key or for another context, or was altered.
 */
export async function open(sealed: Uint8Array, helperPrivateKey: Key, helperPublicKey: Uint8Array, context: Uint8Array, c: CryptoLike = webCrypto()): Promise<Uint8Array> {
  if (sealed.length < PUBLIC_KEY_BYTES + IV_BYTES + TAG_BYTES || sealed[0] !== 4) throw new Error('sealed box is malformed');
  const ephPub = sealed.subarray(0, PUBLIC_KEY_BYTES);
  const key = await aeadKey(c, helperPrivateKey, ephPub, ephPub, helperPublicKey, context);
  const iv = sealed.subarray(PUBLIC_KEY_BYTES, PUBLIC_KEY_BYTES + IV_BYTES);
  try {
    return new Uint8Array(await c.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: context }, key, sealed.subarray(PUBLIC_KEY_BYTES + IV_BYTES)));
  } catch {
    throw new Error('sealed box does not open with this key and context');
  }
}

/** A fresh helper key pair: the private key as JWK (to store, mode 0600) and the raw public key. */
export async function generateHelperKey(c: CryptoLike = webCrypto()): Promise<{ privateJwk: object; publicKey: Uint8Array }> {
  const pair = await c.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  return {
    privateJwk: (await c.subtle.exportKey('jwk', pair.privateKey)) as object,
    publicKey: new Uint8Array((await c.subtle.exportKey('raw', pair.publicKey)) as ArrayBuffer),
  };
}

/** Imports a stored helper private key (JWK). @throws Error when it is not a P-256 ECDH private key. */
export async function importHelperKey(jwk: object, c: CryptoLike = webCrypto()): Promise<Key> {
  return c.subtle.importKey('jwk', jwk, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
}

/** A short public id of a helper key: the first 4 bytes of SHA-256 of its raw public key, as a u32. */
export async function keyId(publicKey: Uint8Array, c: CryptoLike = webCrypto()): Promise<number> {
  const h = new Uint8Array(await c.subtle.digest('SHA-256', publicKey));
  return new DataView(h.buffer).getUint32(0, false);
}
