// The publish and add-items client against an in-process fastify server that implements the shop contract's two
// admin routes (the real routes live in server/ on the shop-serve branch): the body it sends must pass the
// contract's checks (sizes, hashes, dim, unique ids), the token must arrive as a bearer header, and a 4xx must
// come back as one line with the server's error code and message.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { initialWeights, flatten, weightSpecs } from '../../src/shared/model/weights.js';
import { ModelConfigSchema, type ModelConfig } from '../../src/shared/protocol.js';
import { writeBundle } from '../shop/bundle.js';
import { addItems, publish } from './admin-client.js';
import { importFeed } from './import-command.js';
import { pushNewItems } from './push-items.js';

const config: ModelConfig = { itemDim: 4, hidden: 4, maxLen: 5, ffn: 8, eventTypes: 5, blocks: 1 };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const floats = (b64: string) => {
  const b = Buffer.from(b64, 'base64');
  return { bytes: b, values: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) };
};

const PublishBody = z.object({
  config: ModelConfigSchema,
  weights: z.string(),
  weightsSha256: z.string(),
  space: z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/), dim: z.int(), ids: z.array(z.string().min(1).max(256)), vectors: z.string(), sha256: z.string() }),
  training: z.record(z.string(), z.unknown()).optional(),
  makeCurrent: z.boolean(),
});

/** The contract's checks, as a server on the other branch makes them. */
function contractServer(): { app: FastifyInstance; spaces: Map<string, { sha256: string; ids: Set<string> }> } {
  const app = Fastify({ bodyLimit: 256 * 1024 * 1024 });
  const spaces = new Map<string, { sha256: string; ids: Set<string> }>();
  let version = 0;
  const bad = (field: string, message: string) => ({ error: 'bad_request', message: `${field}: ${message}` });
  app.addHook('onRequest', async (req, reply) => {
    if (req.headers.authorization !== 'Bearer s3cret') await reply.code(401).send({ error: 'unauthorized', message: 'wrong admin token' });
  });
  app.post('/v1/admin/models/:name/versions', async (req, reply) => {
    const p = PublishBody.safeParse(req.body);
    if (!p.success) return reply.code(400).send(bad(p.error.issues[0]!.path.join('.'), p.error.issues[0]!.message));
    const b = p.data;
    const w = floats(b.weights);
    if (sha(w.bytes) !== b.weightsSha256) return reply.code(400).send(bad('weightsSha256', 'does not match'));
    if (w.values.length !== weightSpecs(b.config).reduce((n, s) => n + s.shape.reduce((a, x) => a * x, 1), 0)) return reply.code(400).send(bad('weights', 'wrong size'));
    if (b.space.dim !== b.config.itemDim) return reply.code(400).send(bad('space.dim', 'is not config.itemDim'));
    const v = floats(b.space.vectors);
    if (v.values.length !== b.space.ids.length * b.space.dim || sha(v.bytes) !== b.space.sha256) return reply.code(400).send(bad('space.vectors', 'size or sha256'));
    if (!v.values.every(Number.isFinite)) return reply.code(400).send(bad('space.vectors', 'not finite'));
    if (new Set(b.space.ids).size !== b.space.ids.length) return reply.code(400).send(bad('space.ids', 'not unique'));
    const have = spaces.get(b.space.id);
    if (have && have.sha256 !== b.space.sha256) return reply.code(409).send({ error: 'space_exists', message: `space ${b.space.id} exists with other contents` });
    if (!have) spaces.set(b.space.id, { sha256: b.space.sha256, ids: new Set(b.space.ids) });
    return reply.code(201).send({ model: (req.params as { name: string }).name, version: ++version, space: b.space.id, current: b.makeCurrent });
  });
  app.post('/v1/admin/spaces/:space/items', async (req, reply) => {
    const s = spaces.get((req.params as { space: string }).space);
    if (!s) return reply.code(404).send({ error: 'not_found', message: 'no such space' });
    const b = req.body as { ids: string[]; vectors: string; sha256: string };
    const v = floats(b.vectors);
    if (sha(v.bytes) !== b.sha256 || v.values.length !== b.ids.length * 4) return reply.code(400).send(bad('vectors', 'size or sha256'));
    const taken = b.ids.filter((i) => s.ids.has(i));
    if (taken.length) return reply.code(409).send({ error: 'item_exists', message: `already in the space: ${taken.slice(0, 3).join(', ')}` });
    for (const i of b.ids) s.ids.add(i);
    return { space: (req.params as { space: string }).space, added: b.ids.length };
  });
  return { app, spaces };
}

describe('admin client against the contract', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shelf-publish-'));
  const { app, spaces } = contractServer();
  let server = '';
  beforeAll(async () => {
    server = await app.listen({ port: 0, host: '127.0.0.1' });
    const ids = ['sku-1', 'sku 2, blue', 'ü-3'];
    const vectors = Float32Array.from({ length: ids.length * 4 }, (_, i) => i / 10);
    const w = initialWeights(config, 1);
    writeBundle(join(dir, 'bundle'), {
      name: 'my-shop', version: 1, config, spaceId: 'my-shop-1', device: flatten(weightSpecs(config), w), ids, vectors, contentItems: 1, examples: 3,
      training: { seed: 1 }, contentFeatures: { dim: 4, means: new Map() },
    });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes a bundle the contract accepts, then adds new items to its space', async () => {
    const r = await publish({ server, token: 's3cret' }, join(dir, 'bundle'));
    expect(r).toEqual({ model: 'my-shop', version: 1, space: 'my-shop-1', current: true });
    expect([...spaces.get('my-shop-1')!.ids]).toEqual(['sku-1', 'sku 2, blue', 'ü-3']);
    // The same space again is reused (same sha256): a second version.
    expect((await publish({ server, token: 's3cret' }, join(dir, 'bundle'))).version).toBe(2);
    expect(await addItems({ server, token: 's3cret' }, 'my-shop-1', ['new-1'], new Float32Array(4).fill(0.5))).toEqual({ space: 'my-shop-1', added: 1 });
  });

  it('pushes only feed items the space lacks, once', async () => {
    const ws = join(dir, 'ws');
    writeFileSync(join(dir, 'feed.jsonl'), ['sku-1', 'new-2', 'new-3'].map((id) => JSON.stringify({ id, title: `Item ${id}`, brand: 'Acme' })).join('\n'));
    importFeed(join(dir, 'feed.jsonl'), ws);
    const target = { server, token: 's3cret', workspace: ws, space: 'my-shop-1', bundle: join(dir, 'bundle') };
    expect(await pushNewItems(target)).toEqual({ space: 'my-shop-1', added: 2, withoutFeatures: 2 });
    expect(spaces.get('my-shop-1')!.ids.has('new-3')).toBe(true);
    expect(await pushNewItems(target)).toEqual({ space: 'my-shop-1', added: 0, withoutFeatures: 0 });
  });

  it('reports the server\'s refusal as one line with its code', async () => {
    await expect(publish({ server, token: 'wrong' }, join(dir, 'bundle'))).rejects.toThrow(/^HTTP 401 unauthorized: wrong admin token$/);
    await expect(addItems({ server, token: 's3cret' }, 'my-shop-1', ['sku-1'], new Float32Array(4))).rejects.toThrow(/^HTTP 409 item_exists: already in the space: sku-1$/);
    const closed = Fastify();
    const port = new URL(await closed.listen({ port: 0, host: '127.0.0.1' })).port;
    await closed.close();
    await expect(publish({ server: `http://127.0.0.1:${port}`, token: 's3cret' }, join(dir, 'bundle'))).rejects.toThrow(/^cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/);
    await expect(publish({ server, token: 's3cret' }, join(dir, 'nope'))).rejects.toThrow(/not a model bundle/);
  });
});
