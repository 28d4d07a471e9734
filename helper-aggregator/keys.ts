// The helper's long-term ECDH key: made on first start in `<dataDir>/helper-key.json` (folder 0700, file 0600),
// read on every later start. A file that exists but does not hold a P-256 private key stops the start with the
// reason: a silently replaced key would make every sealed seed of the open rounds unreadable.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { keyFingerprint } from '../src/shared/secure-aggregation/key-fingerprint.js';
import { generateHelperKey, importHelperKey, keyId } from '../src/shared/secure-aggregation/seal.js';
import { toBase64, type Key } from '../src/shared/secure-aggregation/webcrypto.js';

export interface HelperKeyPair {
  readonly privateKey: Key;
  readonly publicKey: Uint8Array;
  readonly keyId: number;
  /** SHA-256 of the raw public key, lowercase hex: the fingerprint shops pin (SDK option `helperKeySha256`). */
  readonly sha256: string;
  /** The public part as /v1/key answers it. */
  readonly published: { keyId: number; publicKey: string; sha256: string };
}

export async function loadOrCreateKey(dataDir: string): Promise<HelperKeyPair> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const file = path.join(dataDir, 'helper-key.json');
  let stored: { privateJwk: object; publicKey: string } | null = null;
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as { privateJwk: object; publicKey: string };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file} exists but is not readable JSON (${(err as Error).message}); restore it or move it away to make a new key`);
  }
  if (!stored) {
    const made = await generateHelperKey();
    stored = { privateJwk: made.privateJwk, publicKey: toBase64(made.publicKey) };
    await writeFile(file, JSON.stringify(stored) + '\n', { mode: 0o600, flag: 'wx' });
  }
  try {
    const publicKey = Uint8Array.from(Buffer.from(stored.publicKey, 'base64'));
    const privateKey = await importHelperKey(stored.privateJwk);
    const id = await keyId(publicKey);
    const sha256 = await keyFingerprint(publicKey);
    return { privateKey, publicKey, keyId: id, sha256, published: { keyId: id, publicKey: stored.publicKey, sha256 } };
  } catch (err) {
    throw new Error(`${file} does not hold a P-256 key pair (${(err as Error).message}); restore it or move it away to make a new key`);
  }
}
