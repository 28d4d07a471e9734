// The shop page bench:browser opens: the built SDK snippet (dist/sdk/snippet.html) with the given options, a
// long-task observer, the shop's own order rendered first, and (cold) a loop asking for a re-rank until the model
// answers. Pure string building from the built snippet; never starts anything itself.
import { readFileSync } from 'node:fs';

/** The shop's page: the SDK snippet with these options, a long-task observer, the server's order rendered first. */
export function shopPage(options: Record<string, unknown>, cold = false): string {
  const snippet = readFileSync('dist/sdk/snippet.html', 'utf8').replace('shelf.init({});', `shelf.init(${JSON.stringify(options)});`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>bench</title>
<script>
window.bench = { t0: performance.now(), longTasks: [] };
try { new PerformanceObserver((l) => { for (const e of l.getEntries()) window.bench.longTasks.push({ start: e.startTime, ms: e.duration }); }).observe({ type: 'longtask', buffered: true }); } catch (e) {}
</script>
${snippet}
</head><body><ol id="list"></ol>
<script type="module">
const r = await fetch('/v1/candidates?list=all&limit=200');
const { items } = await r.json();
// The shop's order, shown at once (Shelf re-orders it when ready).
document.getElementById('list').replaceChildren(...items.slice(0, 24).map((p) => Object.assign(document.createElement('li'), { textContent: p.title })));
window.bench.serverOrderShownAt = performance.now();
// Synthetic lists of any size: the catalogue's vectors, cycled and slightly varied, with fresh ids.
const d = items[0].vector.length;
window.bench.items = items;
window.bench.list = (n) => Array.from({ length: n }, (_, i) => {
  const src = items[i % items.length];
  return { id: i < items.length ? src.id : src.id + '~' + i, vector: i < items.length ? src.vector : src.vector.map((x, j) => x + 0.01 * Math.sin(i * 7 + j)) };
});
window.bench.dim = d;
window.bench.ready = true;
${cold ? `// The shop asks for its re-rank as soon as its list is there; until the engine is up the stub queues the call.
let calls = 0;
for (;;) {
  const res = await shelf.rerank(items);
  calls++;
  const now = performance.now();
  if (res.source === 'model' || now - window.bench.t0 > 30000) { window.bench.cold = { coldStartMs: now - window.bench.t0, fromNavigationMs: now, serverOrderShownMs: window.bench.serverOrderShownAt - window.bench.t0, source: res.source + (res.reason ? ':' + res.reason : ''), calls }; break; }
  await new Promise((r) => setTimeout(r, 5));
}` : ''}
</script></body></html>`;
}

