// The fingerprint by which a shop pins the helper aggregator's key: the lowercase hex SHA-256 of the raw uncompressed
// P-256 public key (65 bytes, 0x04 ‖ X ‖ Y), the bytes a device seals its seed to. The helper prints it at start and
// answers it in GET /v1/key; a device always computes it itself from the key the leader relays in the ticket and
// never takes a fingerprint from the leader (a lying leader would send the one the shop expects).
import { fromBase64, webCrypto, type CryptoLike } from './webcrypto.js';

/** A key fingerprint: 64 lowercase hex digits. */
export const KEY_FINGERPRINT = /^[0-9a-f]{64}$/;

/** Lowercase hex SHA-256 of any bytes (WebCrypto; also what model files are checked by). */
export async function sha256Hex(bytes: Uint8Array, c: CryptoLike = webCrypto()): Promise<string> {
  const h = new Uint8Array(await c.subtle.digest('SHA-256', bytes));
  return Array.from(h, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Lowercase hex SHA-256 of a raw public key. */
export const keyFingerprint: (publicKey: Uint8Array, c?: CryptoLike) => Promise<string> = sha256Hex;

/** The fingerprint of a base64 raw public key (as the ticket and GET /v1/key carry it), or null when it is not base64. */
export async function keyFingerprintOf(publicKeyBase64: string, c: CryptoLike = webCrypto()): Promise<string | null> {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(publicKeyBase64);
  } catch {
    return null;
  }
  return keyFingerprint(bytes, c);
}
