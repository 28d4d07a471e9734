// The demo storefront: a small shop that integrates Shelf the way a real shop would — the script-tag snippet
// (in index.html), data attributes on its product cards, GA4 events in the dataLayer, and the SDK's public calls.
// URL parameters, for tests and the shopper simulation: ?db=name&timeoutMs=…&trainEvery=…&uploadMinExamples=…
// &homeLimit=24&homePool=200&consent=granted&compare=on&debug=1 (homeLimit cards shown, of a pool of homePool)
import { categories, categoryName, loadAll } from './catalog.js';
import { lastList } from './lists.js';
import { cart, cartPage, category, checkoutPage, home, productPage, search } from './pages.js';
import { consentBanner, noteUploads, renderPrivacy } from './privacy.js';
import { shelf } from './sdk.js';

const params = new URLSearchParams(location.search);
const num = (k: string) => (params.has(k) && Number.isFinite(Number(params.get(k))) ? Number(params.get(k)) : undefined);
const opt = <T>(k: string, v: T | undefined) => (v === undefined ? {} : { [k]: v });

void shelf().init({
  consentDefault: 'denied',
  ...opt('dbName', params.get('db') ?? undefined),
  ...opt('timeoutMs', num('timeoutMs')),
  ...opt('trainEvery', num('trainEvery')),
  ...opt('uploadMinExamples', num('uploadMinExamples')),
  ...opt('uploadMinIntervalMs', num('uploadMinIntervalMs')),
  debug: params.get('debug') === '1',
});
if (params.get('consent') === 'granted') void shelf().consent('granted');

const root = document.querySelector<HTMLElement>('#page')!;
const homeLimit = num('homeLimit') ?? 24;
const homePool = num('homePool') ?? 200;
let rendering = Promise.resolve();

async function route(): Promise<void> {
  const [path, arg = ''] = location.hash.replace(/^#\/?/, '').split(/\/(.*)/s) as [string, string?];
  root.replaceChildren();
  document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('active', a.getAttribute('href') === location.hash));
  const what = decodeURIComponent(arg.split('?')[0] ?? '');
  if (path === 'c') await category(root, what);
  else if (path === 's') await search(root, what);
  else if (path === 'p') await productPage(root, what);
  else if (path.startsWith('cart')) cartPage(root);
  else if (path === 'checkout') checkoutPage(root);
  else await home(root, homeLimit, homePool);
  await noteUploads();
  if (!document.querySelector<HTMLElement>('#privacy')!.hidden) await renderPrivacy(refresh);
  document.body.dataset['renders'] = String(Number(document.body.dataset['renders'] ?? 0) + 1);
  document.body.dataset['ready'] = 'true';
}

/** Re-renders the current page once the previous render is done (renders never interleave). */
function refresh(): void {
  rendering = rendering.then(route).catch((err: unknown) => {
    root.textContent = `Something went wrong: ${err instanceof Error ? err.message : String(err)}`;
  });
}

async function start(): Promise<void> {
  await loadAll();
  const nav = document.querySelector('nav')!;
  for (const c of await categories()) {
    const a = document.createElement('a');
    a.href = `#/c/${c.slug}`;
    a.textContent = categoryName(c.slug);
    nav.append(a);
  }
  document.querySelector('#cart-count')!.textContent = String(cart().length);
  document.querySelector<HTMLFormElement>('#search')!.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = (document.querySelector<HTMLInputElement>('#q')!.value ?? '').trim();
    location.hash = `#/s/${encodeURIComponent(q)}`;
  });
  const compare = document.querySelector<HTMLInputElement>('#compare')!;
  compare.checked = params.get('compare') === 'on';
  const setCompare = () => (document.body.dataset['compare'] = compare.checked ? 'on' : 'off');
  compare.addEventListener('change', setCompare);
  setCompare();
  const privacy = document.querySelector<HTMLElement>('#privacy')!;
  document.querySelector('#privacy-toggle')!.addEventListener('click', () => {
    privacy.hidden = !privacy.hidden;
    if (!privacy.hidden) void renderPrivacy(refresh);
  });
  document.querySelector('#privacy-close')!.addEventListener('click', () => (privacy.hidden = true));
  window.addEventListener('hashchange', refresh);
  await consentBanner(refresh);
  refresh();
}

Object.assign(window, { shelfShop: { last: lastList, refresh, renders: () => Number(document.body.dataset['renders'] ?? 0) } });
void start();
