// The demo shop page: fetches the shop's candidate list, shows it beside Shelf's re-ranking, and records what
// the visitor does through the public API only — exactly as a shop integrates Shelf.
// URL parameters (for trying backends and for tests): ?backends=webgpu,wasm&allowSoftwareGpu=1&timeoutMs=5000
// &trainEvery=5&uploadMinExamples=10&db=name&model=name&workerUrl=url&debug=1
import { init, type BackendName, type RerankedItem, type ShelfRerankResult } from '../index.js';
import type { CandidateItem, CandidatesResponse } from '../shared/protocol.js';

const params = new URLSearchParams(location.search);
const num = (key: string) => (params.has(key) ? Number(params.get(key)) : undefined);
const shelf = await init({
  ...(params.get('backends') ? { backends: params.get('backends')!.split(',') as BackendName[] } : {}),
  ...(params.get('allowSoftwareGpu') === '1' ? { allowSoftwareGpu: true } : {}),
  ...(num('timeoutMs') !== undefined ? { timeoutMs: num('timeoutMs')! } : {}),
  ...(num('trainEvery') !== undefined ? { trainEvery: num('trainEvery')! } : {}),
  ...(num('uploadMinExamples') !== undefined ? { uploadMinExamples: num('uploadMinExamples')! } : {}),
  ...(params.get('db') ? { dbName: params.get('db')! } : {}),
  ...(params.get('model') ? { model: params.get('model')! } : {}),
  ...(params.get('workerUrl') ? { workerUrl: params.get('workerUrl')! } : {}),
  debug: params.get('debug') === '1',
});

const LIST_ID = 'home';
const statusEl = document.querySelector<HTMLElement>('#status')!;
const serverList = document.querySelector<HTMLOListElement>('#server-list')!;
const shelfList = document.querySelector<HTMLOListElement>('#shelf-list')!;
const sourceEl = document.querySelector<HTMLElement>('#shelf-source')!;

const response = (await (await fetch(`/v1/candidates?list=all&limit=60`)).json()) as CandidatesResponse;
const candidates = response.items;
let last: ShelfRerankResult<CandidateItem> | null = null;

function hue(category: string): number {
  let h = 0;
  for (const ch of category) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return h;
}

function card(item: CandidateItem, position: number, listId: string, scored?: RerankedItem<CandidateItem>): HTMLLIElement {
  const li = document.createElement('li');
  li.className = 'card';
  li.dataset['itemId'] = item.id;
  li.dataset['category'] = item.category;
  const swatch = document.createElement('div');
  swatch.className = 'swatch';
  swatch.style.background = `hsl(${hue(item.category)} 55% 45%)`;
  swatch.textContent = item.category.replace(/-/g, ' ');
  const title = document.createElement('div');
  title.className = 'title';
  title.textContent = item.title;
  const meta = document.createElement('div');
  meta.className = 'meta';
  meta.textContent = `${item.brand ?? 'No brand'} · $${item.price.toFixed(2)} · ★${item.rating.toFixed(1)}`;
  const buttons = document.createElement('div');
  buttons.className = 'buttons';
  const view = document.createElement('button');
  view.type = 'button';
  view.textContent = 'View';
  view.dataset['action'] = 'view';
  view.addEventListener('click', () => void act(item, position, listId, ['select_item', 'view_item']));
  const cart = document.createElement('button');
  cart.type = 'button';
  cart.textContent = 'Add to cart';
  cart.dataset['action'] = 'cart';
  cart.addEventListener('click', () => void act(item, position, listId, ['add_to_cart']));
  buttons.append(view, cart);
  li.append(swatch, title, meta, buttons);
  if (scored) {
    const score = document.createElement('div');
    score.className = 'score';
    score.textContent = scored.score === null ? `shop #${scored.serverRank + 1}` : `score ${scored.score.toFixed(2)} · shop #${scored.serverRank + 1}`;
    li.append(score);
  }
  return li;
}

async function act(item: CandidateItem, position: number, listId: string, types: ('select_item' | 'view_item' | 'add_to_cart')[]): Promise<void> {
  for (const type of types) {
    await shelf.track({ type, itemId: item.id, listId, position, vector: item.vector, ...(last?.rerankId ? { rerankId: last.rerankId } : {}) });
  }
  await refresh();
}

async function refresh(): Promise<void> {
  last = await shelf.rerank(candidates, { listId: LIST_ID, timeoutMs: num('timeoutMs') ?? 2_000 });
  shelfList.replaceChildren(...last.items.slice(0, 24).map((r, i) => card(r.item, i, LIST_ID, r)));
  sourceEl.textContent = last.source === 'model' ? `(model v${last.modelVersion} on ${last.backend})` : `(shop's order: ${last.reason})`;
  const s = await shelf.status();
  statusEl.textContent = `backend ${s.backend ?? 'none'} · model ${s.model} v${s.modelVersion ?? '–'} · storage ${s.storage} · events ${s.events} · uploads ${s.uploads}${s.error ? ` · ${s.error}` : ''}`;
  document.body.dataset['renders'] = String(Number(document.body.dataset['renders'] ?? 0) + 1);
  document.body.dataset['ready'] = 'true';
}

serverList.replaceChildren(...candidates.slice(0, 24).map((item, i) => card(item, i, 'server')));
document.querySelector('#sync')!.addEventListener('click', () => {
  const out = document.querySelector<HTMLElement>('#sync-result')!;
  shelf.flush().then(
    (r) => (out.textContent = r.uploaded ? `uploaded ${r.examples} examples${r.published ? `; server published v${r.published}` : ''}` : `not uploaded: ${r.reason}`),
    (e: unknown) => (out.textContent = `failed: ${e instanceof Error ? e.message : String(e)}`),
  );
});
await shelf.track({ type: 'view_item_list', itemId: LIST_ID, listId: LIST_ID, shownIds: candidates.slice(0, 24).map((c) => c.id) });
Object.assign(window, { shelf, shelfDemo: { candidates, refresh, last: () => last } });
await refresh();
