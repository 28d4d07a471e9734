// `shelf evaluate`: the shop's own held-out tail, leave-one-out (each user's last event is the target, everything
// before it the history; the model never trained on it), ranked among all items of the space with the history
// excluded: NDCG@10 and HR@10 of the model beside popularity and, when given, the shop's current order.
// Must never evaluate a bundle on a history other than the one it was trained on.
import { readFileSync } from 'node:fs';
import { DeviceScorer } from '../device-scoring.js';
import { readFeed, readHistory } from '../import/workspace.js';
import { ImportError } from '../import/errors.js';
import type { Metrics } from '../metrics.js';
import { allItems, deviceRanker, evalUsers, popularity } from '../protocols.js';
import { floatsOf, readBundle } from '../shop/bundle.js';
import { buildShopData } from '../shop/shop-data.js';
import { useNodeBackend, type NodeBackend } from '../tf-node.js';

export interface EvaluateResult {
  users: number;
  items: number;
  model: Metrics;
  popularity: Metrics;
  currentOrder: Metrics | null;
  /** Largest relative difference between the batch scores and ShelfModel.score (the worker's call) on sampled users. */
  workerPathMaxRelDiff: number | null;
}

/** The shop's current order: a JSON array of item ids, or one id per line, best first. */
export function readOrder(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ImportError(file, null, null, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (text.trimStart().startsWith('[')) {
    const v: unknown = JSON.parse(text);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new ImportError(file, 1, null, 'expected a JSON array of item ids');
    return v;
  }
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}

export async function evaluateShop(o: { bundle: string; workspace: string; order: string[] | null; backend: NodeBackend; log: (l: string) => void }): Promise<EvaluateResult> {
  const b = readBundle(o.bundle);
  const history = readHistory(o.workspace);
  const trainedOn = (b.training['data'] as { sha256?: string } | undefined)?.sha256;
  if (trainedOn !== history.sha256) {
    throw new Error(`${o.bundle} was trained on another history (sha256 ${String(trainedOn).slice(0, 12)}…) than ${o.workspace} holds (${history.sha256.slice(0, 12)}…): re-run shelf train`);
  }
  const shop = buildShopData(b.manifest.name, history, readFeed(o.workspace));
  const d = b.space.dim;
  const rows = b.ids.length;
  if (b.ids.slice(0, shop.historyItems).some((id, i) => id !== shop.ids[i + 1])) throw new Error(`${o.bundle}: item rows do not match the history's items`);
  await useNodeBackend(o.backend);
  const items = new Float32Array((rows + 1) * d);
  items.set(floatsOf(b.vectors), d);
  const scorer = new DeviceScorer(b.manifest.config, b.manifest.weights, floatsOf(b.weights), items);
  try {
    const test = evalUsers(shop.dataset, 'test');
    if (test.length === 0) throw new Error('no user or session has 3 or more events: nothing to hold out');
    const checkEvery = rows >= 200 ? Math.max(1, Math.floor(test.length / 20)) : 0;
    const model = await allItems(await deviceRanker(scorer, test), test, rows, checkEvery);
    const diff = checkEvery ? await scorer.checkAgainstWorkerPath(model.checks) : null;
    const pop = await allItems({ kind: 'popularity', counts: popularity(test, rows) }, test, rows);
    let current: Metrics | null = null;
    if (o.order) {
      const row = new Map(b.ids.map((id, i) => [id, i + 1]));
      const counts = new Float32Array(rows + 1);
      o.order.forEach((id, k) => {
        const r = row.get(id);
        if (r !== undefined && counts[r] === 0) counts[r] = o.order!.length - k;
      });
      current = (await allItems({ kind: 'popularity', counts }, test, rows)).metrics;
    }
    return { users: test.length, items: rows, model: model.metrics, popularity: pop.metrics, currentOrder: current, workerPathMaxRelDiff: diff };
  } finally {
    scorer.dispose();
  }
}
