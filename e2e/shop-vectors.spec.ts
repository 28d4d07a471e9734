// A third-party shop with only ids in its HTML: its page, on its own origin under a strict CSP, marks a category
// list with `data-shelf-item-id` and pushes GA4 events (ids only) to its dataLayer. A model version and its vector
// space, built here from a small deterministic fixture no demo code knows, are published through the admin API;
// the engine fetches the vectors it lacks from GET /v1/vectors and the list is re-ranked by that model, in the
// order Node computes from the same weights. The page's requests to Shelf carry ids only, never the history.
import { expect, test, type Request } from '@playwright/test';
import { sequenceTypeIndex } from '../src/shared/events.js';
import { ShelfModel } from '../src/shared/model/model.js';
import { buildSequence } from '../src/shared/model/sequence.js';
import { flatten, initialWeights, weightSpecs } from '../src/shared/model/weights.js';
import { FIXTURE_CONFIG, fixtureVectors, publishBody } from '../server/space-fixtures.js';
import { useNodeBackend } from '../trainer/tf-node.js';
import { E2E_ADMIN_TOKEN } from './settings.js';
import { openShop, strictCsp } from './sdk-shop.js';

type Result = { source: string; reason: string | null; rerankId: string; modelVersion: number | null; items: { id: string; score: number | null; serverRank: number }[] };
type Win = { queued: Promise<unknown>[]; shelf: { rerankElements(sel: string, o?: unknown): Promise<Result | null>; status(): Promise<{ mode: string }> } };

const RUN = Date.now().toString(36);
const MODEL = `shop-e2e-${RUN}`;
const SPACE = `shop-e2e-${RUN}`;
/** The shop's own ids (odd characters included: a comma travels as %2C inside one id). */
const IDS = ['DG-1001', 'DG-1002', 'DG 1003', 'DG,1004', 'DG-1005', 'DG-1006', 'DG-1007', 'DG-1008', 'DG-1009', 'DG-1010', 'DG-1011', 'DG-1012'];
const VECTORS = fixtureVectors(IDS.length, FIXTURE_CONFIG.itemDim, 2026);
const WEIGHT_SEED = 11;
const VIEWED = ['DG-1009', 'DG,1004', 'DG-1011'];
const EVENT_NAMES = ['view_item', 'select_item', 'add_to_cart', 'purchase', 'view_item_list'];

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/**
 * The order and scores the published model gives candidates listed in `listed` order (the shop's rank enters the
 * score) after the viewed items, computed in Node from the same weights and vectors.
 */
async function nodeOrder(vectors: Float32Array, listed: readonly string[]): Promise<{ ids: string[]; scores: Map<string, number> }> {
  await useNodeBackend('wasm');
  const weights = flatten(weightSpecs(FIXTURE_CONFIG), initialWeights(FIXTURE_CONFIG, WEIGHT_SEED));
  const model = ShelfModel.fromFlat(FIXTURE_CONFIG, weightSpecs(FIXTURE_CONFIG), weights);
  const d = FIXTURE_CONFIG.itemDim;
  const row = (id: string) => vectors.subarray(IDS.indexOf(id) * d, IDS.indexOf(id) * d + d);
  try {
    const sequence = buildSequence(VIEWED.map((id) => ({ vector: row(id), typeIndex: sequenceTypeIndex('view_item') })), FIXTURE_CONFIG);
    const candidates = new Float32Array(listed.length * d);
    listed.forEach((id, i) => candidates.set(row(id), i * d));
    const scores = await model.score({ sequence, vectors: candidates, serverRanks: Float32Array.from(listed, (_, i) => i) });
    const byId = new Map(listed.map((id, i) => [id, scores[i]!]));
    return { ids: [...listed].sort((a, b) => byId.get(b)! - byId.get(a)! || listed.indexOf(a) - listed.indexOf(b)), scores: byId };
  } finally {
    model.dispose();
  }
}

/** The list as the page gave it to that call (each item's serverRank is its place there). */
const listedOrder = (r: Result) => [...r.items].sort((a, b) => a.serverRank - b.serverRank).map((i) => i.id);

test('a shop page with only ids and GA4 events is re-ranked by a published model, with vectors the engine fetched', async ({ page, baseURL }) => {
  const shelf = baseURL!;
  const published = await fetch(`${shelf}/v1/admin/models/${MODEL}/versions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${E2E_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(publishBody({ spaceId: SPACE, ids: IDS, vectors: VECTORS, seed: WEIGHT_SEED, training: { examples: 42 } })),
  });
  expect(published.status, await published.clone().text()).toBe(201);
  expect(await published.json()).toEqual({ model: MODEL, version: 1, space: SPACE, current: true });

  const db = `shop-vectors-${RUN}`;
  const cards = IDS.map((id) => `<li data-shelf-item-id="${attr(id)}">${id.replace(/</g, '')}</li>`).join('');
  const ga4 = VIEWED.map((id) => `dataLayer.push({ event: 'view_item', ecommerce: { items: [{ item_id: ${JSON.stringify(id)} }] } });`).join('\n');
  const { requests, close } = await openShop(page, {
    shelf,
    csp: strictCsp(shelf),
    before: `window.dataLayer = window.dataLayer || [];\n${ga4}`,
    body: `<h1>Category: shoes</h1><ol id="category" data-shelf-list-id="category:shoes">${cards}</ol>`,
    after: `window.queued = [shelf.init({ serverUrl: ${JSON.stringify(`${shelf}/`)}, model: ${JSON.stringify(MODEL)}, dbName: ${JSON.stringify(db)}, timeoutMs: 10000, autoCapture: false, trainEvery: 1000, modelCheckIntervalMs: 1000 })];`,
  });
  await page.evaluate(() => Promise.all((window as unknown as Win).queued));
  expect((await page.evaluate(() => (window as unknown as Win).shelf.status())).mode).toBe('worker');

  // The first call may come before the fetched vectors (the engine waits 200 ms for them); the list keeps the
  // shop's order then and the next call has them.
  let result: Result | null = null;
  await expect
    .poll(async () => {
      result = await page.evaluate(() => (window as unknown as Win).shelf.rerankElements('#category'));
      return result?.source;
    }, { timeout: 20_000 })
    .toBe('model');
  const r = result! as Result;

  // Re-ranked by the published model: Node's order and scores from the same weights and vectors.
  expect(listedOrder(r)).toEqual(IDS);
  const expected = await nodeOrder(VECTORS, IDS);
  expect(r.items.map((i) => i.id)).toEqual(expected.ids);
  for (const item of r.items) expect(item.score!).toBeCloseTo(expected.scores.get(item.id)!, 4);
  expect(r.items.map((i) => i.id)).not.toEqual(IDS);
  const dom = await page.locator('#category > li').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['shelfItemId']));
  expect(dom).toEqual(expected.ids);
  await expect(page.locator('#category')).toHaveAttribute('data-shelf-source', 'model');

  // The engine fetched the vectors itself: GET /v1/vectors of the model's space, and cached them by (space, id).
  const toShelf = requests.filter((q) => q.url().startsWith(shelf) && !q.url().startsWith(`${shelf}/sdk/`));
  expect(toShelf.some((q) => new URL(q.url()).pathname === `/v1/spaces/${SPACE}`)).toBe(true);
  const vectorCalls = toShelf.filter((q) => new URL(q.url()).pathname === '/v1/vectors');
  expect(vectorCalls.length).toBeGreaterThan(0);
  const asked = vectorCalls.flatMap((q) => idsOf(q));
  expect(new Set(asked)).toEqual(new Set(IDS));
  const cached = await page.evaluate(
    ([name, space, id]) =>
      new Promise<number | null>((resolve) => {
        const open = indexedDB.open(name!);
        open.onsuccess = () => {
          const get = open.result.transaction('vectors').objectStore('vectors').get([space!, id!]);
          get.onsuccess = () => resolve((get.result as { vector?: Float32Array } | undefined)?.vector?.length ?? null);
        };
      }),
    [db, SPACE, 'DG,1004'],
  );
  expect(cached).toBe(FIXTURE_CONFIG.itemDim);

  // The page's requests to Shelf carry no item history: GETs only, no bodies; a vectors request holds a sorted
  // set of ids and the space, nothing else (no event names, order, times or visitor key).
  for (const q of toShelf) {
    expect(q.method(), q.url()).toBe('GET');
    expect(q.postData()).toBeNull();
    for (const name of EVENT_NAMES) expect(decodeURIComponent(q.url())).not.toContain(name);
  }
  for (const q of vectorCalls) {
    const params = new URL(q.url()).searchParams;
    expect([...params.keys()].sort()).toEqual(['ids', 'space']);
    expect(params.get('space')).toBe(SPACE);
    const ids = idsOf(q);
    expect(ids).toEqual([...ids].sort());
    expect(q.headers()['cookie']).toBeUndefined();
  }

  // A new version with another vector space (same weights, other vectors for the same ids): once the page has it,
  // it ranks with the new space's vectors, fetched anew — never with those it cached for the old one.
  const spaceB = `${SPACE}-b`;
  const vectorsB = fixtureVectors(IDS.length, FIXTURE_CONFIG.itemDim, 4242);
  const v2 = await fetch(`${shelf}/v1/admin/models/${MODEL}/versions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${E2E_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(publishBody({ spaceId: spaceB, ids: IDS, vectors: vectorsB, seed: WEIGHT_SEED })),
  });
  expect(await v2.json()).toEqual({ model: MODEL, version: 2, space: spaceB, current: true });
  let resultB: Result | null = null;
  await expect
    .poll(async () => {
      resultB = await page.evaluate(() => (window as unknown as Win).shelf.rerankElements('#category'));
      return `${resultB?.modelVersion}:${resultB?.source}`;
    }, { timeout: 30_000 })
    .toBe('2:model');
  // Each call re-ranks the cards in their current order, so the model's input is the order this call was given.
  const listedB = listedOrder(resultB! as Result);
  const expectedB = await nodeOrder(vectorsB, listedB);
  expect(expectedB.ids).not.toEqual((await nodeOrder(VECTORS, listedB)).ids);
  expect((resultB! as Result).items.map((i) => i.id)).toEqual(expectedB.ids);
  for (const item of (resultB! as Result).items) expect(item.score!).toBeCloseTo(expectedB.scores.get(item.id)!, 4);
  const askedB = requests.filter((q) => q.url().startsWith(`${shelf}/v1/vectors?`) && new URL(q.url()).searchParams.get('space') === spaceB).flatMap((q) => idsOf(q));
  expect(new Set(askedB)).toEqual(new Set(IDS));
  await close();
});

/** The ids of a GET /v1/vectors request: split on literal commas, then decoded. */
function idsOf(q: Request): string[] {
  const raw = new URL(q.url()).search.slice(1).split('&').find((p) => p.startsWith('ids='))!.slice(4);
  return raw.split(',').map(decodeURIComponent);
}
