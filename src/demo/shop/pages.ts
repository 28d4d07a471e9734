// The storefront's pages: home, category, search, product (with "you may also like"), cart and a fake checkout.
// Every list comes from the shop's candidates endpoint and is re-ranked by Shelf (lists.ts); product views, cart
// changes and the purchase are GA4 events in the dataLayer, which Shelf reads like any analytics tag would.
import { candidates, categoryName, money, product, type Product } from './catalog.js';
import { productImageUrl } from './image.js';
import { renderList } from './lists.js';
import { ga4Item, pushEvent } from './sdk.js';

const CART_KEY = 'shelf-demo-cart';

export function cart(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(CART_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
function saveCart(ids: string[]): void {
  localStorage.setItem(CART_KEY, JSON.stringify(ids));
  document.querySelector('#cart-count')!.textContent = String(ids.length);
}

const h = <K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
};

/**
 * The home list: the shop's recall (`pool` candidates across every category, the whole demo catalogue by
 * default) goes to Shelf, which shows its top `limit`; the shop's own order shows its first `limit`.
 */
export async function home(root: HTMLElement, limit: number, pool: number): Promise<void> {
  await renderList(root, { listId: 'home', title: 'Picked for you', items: await candidates('all', Math.max(pool, limit)), show: limit });
}

export async function category(root: HTMLElement, slug: string): Promise<void> {
  const items = await candidates(`category:${slug}`, 60);
  await renderList(root, { listId: `category:${slug}`, title: categoryName(slug), items, show: items.length });
}

export async function search(root: HTMLElement, q: string): Promise<void> {
  const words = q.trim();
  if (!words) return void root.append(h('p', 'Type something to search for.'));
  let items: Product[] = [];
  try {
    items = await candidates(`search:${words}`, 60);
  } catch {
    items = [];
  }
  if (items.length === 0) return void root.append(h('p', `Nothing matches “${words}”.`, 'empty'));
  await renderList(root, { listId: 'search', title: `Search: ${words}`, items, show: items.length });
}

export async function productPage(root: HTMLElement, id: string): Promise<void> {
  const p = product(id);
  if (!p) return void root.append(h('p', 'No such product.', 'empty'));
  const main = h('article', undefined, 'product');
  main.dataset['id'] = p.id;
  const img = h('img');
  img.src = productImageUrl(p);
  img.alt = p.title;
  const info = h('div', undefined, 'info');
  const add = h('button', 'Add to cart', 'primary');
  add.type = 'button';
  add.id = 'add-to-cart';
  add.addEventListener('click', () => {
    saveCart([...cart(), p.id]);
    pushEvent('add_to_cart', [ga4Item(p)], { value: p.price });
    add.textContent = 'Added ✓';
  });
  const back = h('a', `More ${categoryName(p.category)}`);
  back.href = `#/c/${p.category}`;
  info.append(h('h2', p.title), h('p', `${p.brand ?? 'No brand'} · ★${p.rating.toFixed(2)}`, 'meta'), h('p', money(p.price), 'price'), add, h('p', '', 'spacer'), back);
  main.append(img, info);
  root.append(main);
  pushEvent('view_item', [ga4Item(p)], { value: p.price });
  await renderList(root, { listId: 'related', title: 'You may also like', items: await candidates(`related:${p.id}`, 12), show: 12 });
}

export function cartPage(root: HTMLElement): void {
  const ids = cart();
  root.append(h('h2', 'Your cart'));
  if (ids.length === 0) return void root.append(h('p', 'Your cart is empty.', 'empty'));
  const ul = h('ul', undefined, 'cart');
  ids.forEach((id, i) => {
    const p = product(id);
    if (!p) return;
    const li = h('li');
    const rm = h('button', 'Remove');
    rm.type = 'button';
    rm.addEventListener('click', () => {
      const next = cart();
      next.splice(i, 1);
      saveCart(next);
      pushEvent('remove_from_cart', [ga4Item(p)]);
      location.hash = '#/cart?' + Date.now();
    });
    li.append(h('span', p.title), h('span', money(p.price), 'price'), rm);
    ul.append(li);
  });
  const total = ids.reduce((s, id) => s + (product(id)?.price ?? 0), 0);
  const go = h('a', 'Checkout', 'button primary');
  go.href = '#/checkout';
  go.id = 'checkout';
  root.append(ul, h('p', `Total ${money(total)}`, 'price'), go);
}

export function checkoutPage(root: HTMLElement): void {
  const ids = cart();
  const items = ids.map((id) => product(id)).filter((p): p is Product => !!p);
  if (items.length === 0) return void root.append(h('p', 'Nothing to check out.', 'empty'));
  pushEvent('begin_checkout', items.map((p) => ga4Item(p)));
  const form = h('form', undefined, 'checkout');
  form.append(h('h2', 'Checkout (a demo: nothing is charged or sent)'), h('label', 'Name'), h('input'), h('label', 'Address'), h('input'));
  const place = h('button', 'Place order', 'primary');
  place.id = 'place-order';
  form.append(place);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const total = items.reduce((s, p) => s + p.price, 0);
    pushEvent('purchase', items.map((p) => ga4Item(p)), { transaction_id: `demo-${Date.now()}`, value: total });
    saveCart([]);
    root.replaceChildren(h('h2', 'Thank you!'), h('p', `Your demo order of ${items.length} item(s), ${money(total)}, is placed.`));
  });
  root.append(form);
}
