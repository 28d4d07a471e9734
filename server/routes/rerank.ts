// POST /v1/rerank: the same re-rank done by the server — what a shop would do instead of Shelf's on-device
// engine — used as the loopback-HTTP baseline by `npm run bench:browser`. Scores with the same model code
// (src/shared/model) and the current published weights, in Node on tfjs (wasm, the fastest that installs here;
// SHELF_RERANK_BACKEND=cpu for plain JS). A server keeps no per-visitor state between requests, so each call
// runs the full forward pass over the events it is sent. tfjs loads on the first request, never at startup.
// Must never change stored state.
import type { FastifyInstance } from 'fastify';
import { sequenceTypeIndex, isEventType } from '../../src/shared/events.js';
import type { ShelfModel } from '../../src/shared/model/model.js';
import { buildSequence } from '../../src/shared/model/sequence.js';
import { HttpError } from '../http-errors.js';
import type { Store } from '../storage/store.js';

interface RerankBody {
  events?: { type?: unknown; vector?: unknown }[];
  candidates?: { id?: unknown; vector?: unknown }[];
}

const MAX_CANDIDATES = 10_000;

type Loaded = { version: number; model: ShelfModel; backend: string };

export function registerRerankRoute(app: FastifyInstance, options: { store: Store; model: string }): void {
  let loading: Promise<Loaded> | null = null;

  async function load(): Promise<Loaded> {
    const manifest = await options.store.current(options.model);
    if (!manifest) throw new HttpError(404, 'unknown_model', `no model named '${options.model}'`);
    const current = await loading?.catch(() => null);
    if (current && current.version === manifest.version) return current;
    loading = (async () => {
      const tf = await import('@tensorflow/tfjs');
      const backend = process.env['SHELF_RERANK_BACKEND'] === 'cpu' ? 'cpu' : 'wasm';
      if (backend === 'wasm') {
        await import('@tensorflow/tfjs-backend-wasm');
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      }
      if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} is not available`);
      await tf.ready();
      const { ShelfModel } = await import('../../src/shared/model/model.js');
      const bytes = await options.store.weights(options.model, manifest.version);
      if (!bytes) throw new HttpError(404, 'not_found', `model ${options.model} v${manifest.version} has no weights`);
      const flat = new Float32Array(bytes.slice().buffer);
      current?.model.dispose();
      return { version: manifest.version, model: ShelfModel.fromFlat(manifest.config, manifest.weights, flat), backend: tf.getBackend() };
    })();
    return loading;
  }

  app.post('/v1/rerank', { bodyLimit: 8 * 1024 * 1024 }, async (request) => {
    const body = (request.body ?? {}) as RerankBody;
    if (!Array.isArray(body.events) || !Array.isArray(body.candidates) || body.candidates.length > MAX_CANDIDATES) {
      throw new HttpError(400, 'invalid_request', `events and candidates (at most ${MAX_CANDIDATES}) must be arrays`);
    }
    const { model, version, backend } = await load();
    const d = model.config.itemDim;
    const events = body.events.flatMap((e) =>
      isEventType(e?.type) && Array.isArray(e.vector) && e.vector.length === d ? [{ vector: e.vector as number[], typeIndex: sequenceTypeIndex(e.type) }] : [],
    );
    const ids: string[] = [];
    const vectors = new Float32Array(body.candidates.length * d);
    for (const c of body.candidates) {
      if (typeof c?.id !== 'string' || !Array.isArray(c.vector) || c.vector.length !== d) continue;
      vectors.set(c.vector as number[], ids.length * d);
      ids.push(c.id);
    }
    const sequence = buildSequence(events, model.config);
    const scores = await model.score({ sequence, vectors: vectors.subarray(0, ids.length * d), serverRanks: Float32Array.from(ids, (_, i) => i) });
    const order = ids.map((id, i) => ({ id, score: scores[i]!, serverRank: i })).sort((a, b) => b.score - a.score || a.serverRank - b.serverRank);
    return { modelVersion: version, backend, items: order };
  });
}
