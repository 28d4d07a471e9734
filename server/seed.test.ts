// Seed import: the highest version folder wins, every check refuses a bad seed with a clear message, and an
// empty seed folder falls back to initial demo weights.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_CONFIG, WEIGHTS_FILE } from '../src/shared/model/manifest.js';
import { parameterCount, weightSpecs } from '../src/shared/model/weights.js';
import { SeedError, ensureSeeded, initialVersion, readSeed, seedVersions } from './seed.js';
import { PgliteStore } from './storage/pglite-store.js';
import { STORE_TIMEOUT_MS, makeVersion, tempDir, writeSeed } from './testing.js';
import { sha256Hex } from './weights-codec.js';

describe('seed files', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.remove());

  it('lists version folders highest first and ignores anything else', async () => {
    const seeds = path.join(tmp.dir, 'list');
    await writeSeed(seeds, makeVersion('m', 1));
    await writeSeed(seeds, makeVersion('m', 10));
    await writeSeed(seeds, makeVersion('m', 2));
    await writeFile(path.join(seeds, 'm', 'latest.json'), '{}');
    expect(await seedVersions(seeds, 'm')).toEqual([10, 2, 1]);
    expect(await seedVersions(seeds, 'absent')).toEqual([]);
    expect(await seedVersions(path.join(tmp.dir, 'no-such-dir'), 'm')).toEqual([]);
  });

  it('reads a good seed back exactly', async () => {
    const v = makeVersion('good', 1);
    await writeSeed(tmp.dir, v);
    expect(await readSeed(tmp.dir, 'good', 1)).toEqual(v);
  });

  it('refuses weights whose hash does not match', async () => {
    const v = makeVersion('bad-hash', 1);
    const tampered = Uint8Array.from(v.weights);
    tampered[0]! ^= 1;
    await writeSeed(tmp.dir, v, tampered);
    await expect(readSeed(tmp.dir, 'bad-hash', 1)).rejects.toThrow(/has sha256 [0-9a-f]{64}, its manifest says/);
  });

  it('refuses weights whose length does not match', async () => {
    const v = makeVersion('bad-length', 1);
    await writeSeed(tmp.dir, v, v.weights.subarray(4));
    await expect(readSeed(tmp.dir, 'bad-length', 1)).rejects.toThrow(/has \d+ bytes, its manifest says \d+/);
  });

  it('refuses a manifest that fails the schema or names another version', async () => {
    const v = makeVersion('bad-manifest', 1);
    const dir = await writeSeed(tmp.dir, v);
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...v.manifest, protocol: 99 }));
    await expect(readSeed(tmp.dir, 'bad-manifest', 1)).rejects.toThrow(SeedError);
    await expect(readSeed(tmp.dir, 'bad-manifest', 1)).rejects.toThrow(/is not a valid manifest/);

    const moved = makeVersion('moved', 2);
    const movedDir = await writeSeed(tmp.dir, moved);
    await writeFile(path.join(movedDir, 'manifest.json'), JSON.stringify({ ...moved.manifest, version: 3 }));
    await expect(readSeed(tmp.dir, 'moved', 2)).rejects.toThrow(/describes moved v3, but its folder says moved v2/);
  });

  it('refuses a manifest whose file entry is consistent but does not fit the weight layout', async () => {
    const v = makeVersion('short', 1);
    const weights = v.weights.subarray(0, v.weights.byteLength - 4);
    const files = [{ path: WEIGHTS_FILE, bytes: weights.byteLength, sha256: sha256Hex(weights) }];
    await writeSeed(tmp.dir, { manifest: { ...v.manifest, files }, weights });
    await expect(readSeed(tmp.dir, 'short', 1)).rejects.toThrow(/weights need \d+/);
  });

  it('builds a valid initial version from the demo config', () => {
    const v = initialVersion('shelf-demo');
    expect(v.manifest.version).toBe(1);
    expect(v.manifest.lineage.kind).toBe('seed');
    expect(v.weights.byteLength).toBe(parameterCount(weightSpecs(DEMO_MODEL_CONFIG)) * 4);
    expect(v.manifest.files[0]?.sha256).toBe(sha256Hex(v.weights));
  });
});

describe('ensureSeeded', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let store: PgliteStore;
  beforeAll(async () => {
    tmp = await tempDir();
    store = await PgliteStore.open(path.join(tmp.dir, 'db'));
  }, STORE_TIMEOUT_MS);
  afterAll(async () => {
    await store?.close();
    await tmp?.remove();
  });

  it('imports the highest seed version once, then leaves the model alone', async () => {
    const seeds = path.join(tmp.dir, 'seeds');
    await writeSeed(seeds, makeVersion('multi', 1));
    await writeSeed(seeds, makeVersion('multi', 2));
    expect(await ensureSeeded(store, { model: 'multi', seedDir: seeds })).toMatchObject({ kind: 'imported', version: 2 });
    expect((await store.current('multi'))?.version).toBe(2);
    await writeSeed(seeds, makeVersion('multi', 3));
    expect(await ensureSeeded(store, { model: 'multi', seedDir: seeds })).toEqual({ kind: 'existing', version: 2 });
  });

  it('imports nothing when the seed is bad', async () => {
    const seeds = path.join(tmp.dir, 'bad-seeds');
    const v = makeVersion('broken', 1);
    await writeSeed(seeds, v, new Uint8Array(v.weights.byteLength));
    await expect(ensureSeeded(store, { model: 'broken', seedDir: seeds })).rejects.toThrow(SeedError);
    expect(await store.current('broken')).toBeNull();
  });

  it('falls back to initial weights, with a warning, when there is no seed', async () => {
    const warnings: unknown[] = [];
    const log = { warn: (...args: unknown[]) => warnings.push(args), info: () => undefined } as unknown as Parameters<typeof ensureSeeded>[2];
    const outcome = await ensureSeeded(store, { model: 'fresh', seedDir: path.join(tmp.dir, 'empty') }, log);
    expect(outcome).toEqual({ kind: 'initialised', version: 1 });
    expect(warnings).toHaveLength(1);
    const manifest = await store.current('fresh');
    expect(manifest?.lineage).toEqual({ kind: 'seed', updates: 0, examples: 0 });
    expect(manifest?.files[0]?.sha256).toBe(initialVersion('fresh').manifest.files[0]?.sha256);
  });
});
