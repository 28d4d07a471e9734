// Product lists: the shop renders its own order as cards carrying `data-shelf-item-id` / `data-shelf-vector`
// in a container with `data-shelf-list-id`, then asks Shelf to re-order them in place
// (`shelf.rerankElements`, the SDK's no-template-change path). Impressions and clicks are captured by the SDK
// from those attributes. With "compare" on, the shop's order is shown beside it (cards without Shelf's
// attributes, so nothing is counted twice), and each of Shelf's cards says why it moved.
import { categoryName, money, product, type Product } from './catalog.js';
import { productImageUrl } from './image.js';
import { shelf } from './sdk.js';
import { explain } from './why.js';
import { reasonText } from './words.js';

export interface ListView {
  readonly listId: string;
  readonly title: string;
  /** The shop's candidates in its order: its recall (the home list's pool is the whole catalogue). */
  readonly items: readonly Product[];
  /** Cards to show: the shop's first `show`, and Shelf's top `show` of the whole pool. */
  readonly show: number;
}

/** What the last list render did (read by the privacy panel and by tests through `shelfShop.last()`). */
export interface ListOutcome {
  listId: string;
  source: string;
  reason: string | null;
  modelVersion: number | null;
  serverOrder: string[];
  shelfOrder: string[];
}

let lastOutcome: ListOutcome | null = null;
export const lastList = () => lastOutcome;

export function compareOn(): boolean {
  return document.body.dataset['compare'] === 'on';
}

function card(p: Product, index: number, shelfCard: boolean): HTMLLIElement {
  const li = document.createElement('li');
  li.className = 'card';
  li.dataset['id'] = p.id;
  li.dataset['category'] = p.category;
  if (shelfCard) {
    li.setAttribute('data-shelf-item-id', p.id);
    li.setAttribute('data-shelf-vector', JSON.stringify(p.vector));
  }
  const a = document.createElement('a');
  a.href = `#/p/${encodeURIComponent(p.id)}`;
  const img = document.createElement('img');
  img.src = productImageUrl(p);
  img.alt = '';
  img.width = 200;
  img.height = 150;
  const title = document.createElement('span');
  title.className = 'title';
  title.textContent = p.title;
  a.append(img, title);
  const meta = document.createElement('div');
  meta.className = 'meta';
  meta.textContent = `${money(p.price)} · ★${p.rating.toFixed(1)} · ${categoryName(p.category)}`;
  li.dataset['shopRank'] = String(index + 1);
  li.append(a, meta);
  return li;
}

/** One column of the side-by-side view: a heading and an ordered grid of cards (`#list-<kind>`). */
function column(kind: 'shelf' | 'server', title: string, cards: HTMLElement[]) {
  const col = document.createElement('div');
  col.className = `col col-${kind}`;
  const head = document.createElement('h3');
  head.textContent = title;
  const list = document.createElement('ol');
  list.className = 'grid';
  list.id = `list-${kind}`;
  list.append(...cards);
  col.append(head, list);
  return { col, head, list };
}

/** Renders a list in the shop's order, lets Shelf re-rank it, then writes the "why" lines. */
export async function renderList(root: HTMLElement, view: ListView): Promise<ListOutcome> {
  const shown = view.items.slice(0, view.show);
  const section = document.createElement('section');
  section.className = 'list';
  const h = document.createElement('h2');
  h.textContent = view.title;
  const cols = document.createElement('div');
  cols.className = 'columns';

  // Shelf ranks the whole pool; the cards past `show` are removed once it has (before anyone sees them).
  const { col: shelfCol, head: shelfHead, list: ol } = column('shelf', "Shelf's order (for you)", view.items.map((p, i) => card(p, i, true)));
  ol.setAttribute('data-shelf-list-id', view.listId);
  const { col: serverCol } = column('server', "Shop's order (from the server)", shown.map((p, i) => card(p, i, false)));

  cols.append(serverCol, shelfCol);
  section.append(h, cols);
  ol.style.visibility = 'hidden';
  root.append(section);

  const result = await shelf().rerankElements(ol, { listId: view.listId, timeoutMs: 3_000 });
  [...ol.querySelectorAll<HTMLElement>('li.card')].slice(view.show).forEach((li) => li.remove());
  ol.style.visibility = '';
  const order = [...ol.querySelectorAll<HTMLElement>('li.card')].map((li) => li.dataset['id']!);
  const source = result?.source ?? 'fallback';
  shelfHead.textContent = source === 'model' ? `Shelf's order (for you, model v${result?.modelVersion ?? '?'})` : `Shelf's order: the shop's, kept (${reasonText(result?.reason)})`;
  const events = source === 'model' ? await shelf().events(100) : [];
  const serverRank = new Map(view.items.map((p, i) => [p.id, i]));
  ol.querySelectorAll<HTMLElement>('li.card').forEach((li, i) => {
    const p = product(li.dataset['id']!)!;
    const why = document.createElement('div');
    why.className = 'why';
    const w = source === 'model' ? explain(p, serverRank.get(p.id)!, i, events, product) : null;
    why.textContent = w?.text ?? '';
    if (w && w.moved > 0) li.classList.add('raised');
    li.append(why);
  });
  lastOutcome = {
    listId: view.listId,
    source,
    reason: result?.reason ?? 'off',
    modelVersion: result?.modelVersion ?? null,
    serverOrder: shown.map((p) => p.id),
    shelfOrder: order,
  };
  return lastOutcome;
}
